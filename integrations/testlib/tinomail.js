'use strict';

// Test helpers: a real `tinomail serve` (built from this repository) on a free
// loopback port with a temporary data dir, and a way to read back what it
// stored through the query API.

const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const repo = path.resolve(__dirname, '..', '..');
let binary = process.env.TINOMAIL_BIN || '';

/** Builds the binary once per test process (Go's build cache makes it quick). */
function build() {
    if (!binary) {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tinomail-plugin-bin-'));
        binary = path.join(dir, 'tinomail');
        execFileSync('go', ['build', '-o', binary, './cmd/tinomail'], { cwd: repo, stdio: 'inherit' });
        process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    }
    return binary;
}

function freePort() {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.listen(0, '127.0.0.1', () => {
            const { port } = srv.address();
            srv.close(() => resolve(port));
        });
        srv.on('error', reject);
    });
}

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

class Server {
    constructor() {
        this.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tinomail-plugin-data-'));
        this.proc = null;
        this.log = '';
    }

    async start() {
        const bin = build();
        if (!this.port) {
            this.port = await freePort(); // kept across restarts
            this.key = execFileSync(bin, ['apikey', 'create', '--name', 'plugin-test', '--scope', 'ingest,read', '--data-dir', this.dataDir],
                { encoding: 'utf8' }).trim();
        }
        this.url = `http://127.0.0.1:${this.port}`;
        this.proc = spawn(bin, ['serve', '--listen', `127.0.0.1:${this.port}`, '--data-dir', this.dataDir, '--log-level', 'warn', '--rate-limit', '0'],
            { stdio: ['ignore', 'pipe', 'pipe'] });
        this.proc.stdout.on('data', d => (this.log += d));
        this.proc.stderr.on('data', d => (this.log += d));
        const exited = new Promise(resolve => this.proc.once('exit', resolve));
        this.exited = exited;
        for (let i = 0; i < 600; i++) {
            try {
                const res = await fetch(this.url + '/readyz');
                if (res.status === 200) {
                    return this;
                }
            } catch {
                // not listening yet
            }
            if (this.proc.exitCode !== null) {
                throw new Error('tinomail exited at start:\n' + this.log);
            }
            await sleep(50);
        }
        throw new Error('tinomail not ready within 30 s:\n' + this.log);
    }

    /** SIGKILL: no shutdown code runs. */
    async kill() {
        if (this.proc && this.proc.exitCode === null) {
            this.proc.kill('SIGKILL');
            await this.exited;
        }
    }

    async stop() {
        if (this.proc && this.proc.exitCode === null) {
            this.proc.kill('SIGTERM');
            await this.exited;
        }
    }

    async cleanup() {
        await this.stop();
        fs.rmSync(this.dataDir, { recursive: true, force: true });
    }

    async get(p) {
        const res = await fetch(this.url + p, { headers: { authorization: 'Bearer ' + this.key } });
        const body = await res.json();
        if (res.status !== 200) {
            throw new Error(`GET ${p}: ${res.status} ${JSON.stringify(body)}`);
        }
        return body;
    }

    /** Every stored event of the last 24 hours (all pages), oldest first. */
    async events(query = '') {
        const out = [];
        let cursor = null;
        for (;;) {
            const q = `/api/v1/email/events?range=24h&limit=1000${query}${cursor ? '&cursor=' + encodeURIComponent(cursor) : ''}`;
            const page = await this.get(q);
            out.push(...page.events);
            if (!page.nextCursor) {
                break;
            }
            cursor = page.nextCursor;
        }
        return out.reverse();
    }

    /** Waits until at least n events are stored (or timeoutMs passed); returns them. */
    async waitEvents(n, timeoutMs = 30000, query = '') {
        const deadline = Date.now() + timeoutMs;
        let evs = [];
        while (Date.now() < deadline) {
            evs = await this.events(query);
            if (evs.length >= n) {
                await sleep(300); // a doubled event would show up now
                return this.events(query);
            }
            await sleep(100);
        }
        return evs;
    }
}

/** A logger that keeps lines for assertions. */
function memoryLog() {
    const lines = [];
    const add = level => m => lines.push(`${level} ${m}`);
    return { lines, info: add('info'), warn: add('warn'), error: add('error') };
}

module.exports = { Server, build, freePort, sleep, memoryLog, repo };
