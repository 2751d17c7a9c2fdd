'use strict';

// A real Haraka (from npm) on a free loopback port with the TinoMail plugin
// and the test-only policy plugin, and a minimal SMTP client.

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { freePort, sleep } = require('./tinomail');

const integrations = path.resolve(__dirname, '..');

class Haraka {
    /** ini: the [main] keys of tinomail.ini */
    async start(ini) {
        this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tinomail-haraka-'));
        this.port = await freePort();
        const cfg = path.join(this.dir, 'config');
        // Haraka's shipped defaults, as `haraka -i` installs them, then ours
        fs.cpSync(path.join(integrations, 'node_modules', 'Haraka', 'config'), cfg, { recursive: true });
        fs.mkdirSync(path.join(this.dir, 'plugins'));
        fs.copyFileSync(path.join(__dirname, 'haraka', 'test_policy.js'), path.join(this.dir, 'plugins', 'test_policy.js'));
        // the way an operator installs it: the folder, linked into plugins/
        fs.symlinkSync(path.join(integrations, 'haraka'), path.join(this.dir, 'plugins', 'tinomail'));
        fs.writeFileSync(path.join(cfg, 'smtp.ini'), `[main]\nlisten=127.0.0.1:${this.port}\nnodes=0\n`);
        fs.writeFileSync(path.join(cfg, 'plugins'), 'test_policy\ntinomail\n');
        fs.writeFileSync(path.join(cfg, 'me'), 'mx-test.example\n');
        fs.writeFileSync(path.join(cfg, 'log.ini'), '[main]\nlevel=info\n');
        fs.writeFileSync(path.join(cfg, 'tinomail.ini'), '[main]\n' + Object.entries(ini).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
        this.log = '';
        this.proc = spawn(process.execPath, [path.join(integrations, 'node_modules', 'Haraka', 'bin', 'haraka'), '-c', this.dir],
            { stdio: ['ignore', 'pipe', 'pipe'], cwd: this.dir });
        this.proc.stdout.on('data', d => (this.log += d));
        this.proc.stderr.on('data', d => (this.log += d));
        this.exited = new Promise(resolve => this.proc.once('exit', resolve));
        for (let i = 0; i < 300; i++) {
            if (this.proc.exitCode !== null) {
                throw new Error('Haraka exited at start:\n' + this.log);
            }
            if (await canConnect(this.port)) {
                return this;
            }
            await sleep(100);
        }
        throw new Error('Haraka not listening within 30 s:\n' + this.log);
    }

    async stop() {
        if (this.proc && this.proc.exitCode === null) {
            this.proc.kill('SIGTERM');
            const t = setTimeout(() => this.proc.kill('SIGKILL'), 10000);
            await this.exited;
            clearTimeout(t);
        }
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

function canConnect(port) {
    return new Promise(resolve => {
        const s = net.connect(port, '127.0.0.1');
        s.once('connect', () => {
            s.destroy();
            resolve(true);
        });
        s.once('error', () => resolve(false));
    });
}

/**
 * One SMTP session. rcpts: addresses; body: message text. Resolves with
 * every reply, keyed by command. Speaks just enough SMTP: one command at a
 * time, waits for each (possibly multi-line) reply.
 */
function smtpSession(port, { from, rcpts, subject = 'Hello', body = 'Hi there.', messageId }) {
    return new Promise((resolve, reject) => {
        const s = net.connect(port, '127.0.0.1');
        s.setEncoding('utf8');
        let buf = '';
        const replies = [];
        let waiting = null;
        s.on('data', d => {
            buf += d;
            let m;
            // a complete reply ends with a line "NNN text"
            while ((m = /^(\d{3}) .*\r?\n/m.exec(buf))) {
                const end = m.index + m[0].length;
                const reply = buf.slice(0, end).trim();
                buf = buf.slice(end);
                if (waiting) {
                    const w = waiting;
                    waiting = null;
                    w(reply);
                }
            }
        });
        s.on('error', reject);
        const cmd = line => new Promise(res => {
            waiting = res;
            if (line !== null) {
                s.write(line + '\r\n');
            }
        });
        (async () => {
            replies.push(['greeting', await cmd(null)]);
            replies.push(['EHLO', await cmd('EHLO client.sender.example')]);
            replies.push(['MAIL', await cmd(`MAIL FROM:<${from}>`)]);
            let accepted = 0;
            for (const r of rcpts) {
                const reply = await cmd(`RCPT TO:<${r}>`);
                replies.push([`RCPT ${r}`, reply]);
                if (reply.startsWith('250')) {
                    accepted++;
                }
            }
            if (accepted) {
                replies.push(['DATA', await cmd('DATA')]);
                const msg = [`From: <${from}>`, `To: <${rcpts[0]}>`, `Subject: ${subject}`, `Message-ID: ${messageId}`,
                    'Date: ' + new Date().toUTCString(), '', body, '.'].join('\r\n');
                replies.push(['message', await cmd(msg)]);
            }
            replies.push(['QUIT', await cmd('QUIT')]);
            s.end();
            resolve(Object.fromEntries(replies));
        })().catch(reject);
    });
}

module.exports = { Haraka, smtpSession };
