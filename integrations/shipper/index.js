'use strict';

// Shipper: the delivery machinery both MTA plugins share. push(event) spools
// the event (synchronously, a few microseconds) and returns; a background
// loop cuts batches from the spool and POSTs them to TinoMail's ingest API,
// retrying with exponential backoff and jitter, until the server has them.
// See journal.js for the crash guarantees and spool.js for replay by a new
// process.

const fs = require('node:fs');
const os = require('node:os');
const { Journal } = require('./journal');
const { post, backoff } = require('./post');
const spool = require('./spool');

const DEFAULTS = {
    serverUrl: 'http://127.0.0.1:8080',
    apiKey: '',
    nodeId: os.hostname(),
    batchSize: 500,
    flushInterval: 1000, // ms
    spoolDir: '',
    spoolLimit: 256 * 1024 * 1024, // bytes
    maxBatchBytes: 1024 * 1024,
    requestTimeout: 30000, // ms
    retryBase: 500, // ms
    retryMax: 30000, // ms; keeps re-sends of one batch inside the server's 2 minute duplicate window
    syncInterval: 1000, // ms between fdatasync of the active segment
    orphanScanInterval: 10000, // ms
    staleAfter: 60000 // ms without heartbeat before another host's journal is adopted
};

const NUMERIC = ['batchSize', 'flushInterval', 'spoolLimit', 'maxBatchBytes', 'requestTimeout', 'retryBase',
    'retryMax', 'syncInterval', 'orphanScanInterval', 'staleAfter'];

/** Validated options with defaults; throws on a missing or bad value. */
function options(input) {
    const o = { ...DEFAULTS };
    for (const [k, v] of Object.entries(input || {})) {
        if (v !== undefined && v !== null && v !== '' && k in DEFAULTS) {
            o[k] = v;
        }
    }
    for (const k of NUMERIC) {
        o[k] = Number(o[k]);
        if (!Number.isFinite(o[k]) || o[k] <= 0) {
            throw new Error(`tinomail: ${k} must be a positive number, got ${JSON.stringify(input[k])}`);
        }
    }
    if (!o.apiKey) {
        throw new Error('tinomail: apiKey is required (an API key with the ingest scope)');
    }
    if (!o.spoolDir) {
        throw new Error('tinomail: spoolDir is required (a directory this process can write)');
    }
    new URL(o.serverUrl); // throws on a malformed URL
    o.batchSize = Math.min(Math.floor(o.batchSize), 10000);
    return o;
}

class Shipper {
    /**
     * @param {object} opts see DEFAULTS
     * @param {object} log {info, warn, error}(message)
     * @param {string} label process kind, part of the journal's name
     */
    constructor(opts, log, label) {
        this.o = options(opts);
        this.log = log;
        this.label = label;
        this.counters = { spooled: 0, sent: 0, accepted: 0, rejected: 0, dropped: 0, retries: 0, replayed: 0 };
        this.lastDropLog = 0;
        this.unsent = 0; // events this process spooled and has not yet cut into a batch
        this.firstUnsentAt = 0;
        this.closing = false;
        this.draining = false;
        this.wake = null;
        this.timers = [];

        fs.mkdirSync(this.o.spoolDir, { recursive: true });
        const segmentBytes = Math.max(64 * 1024, Math.min(16 * 1024 * 1024, Math.floor(this.o.spoolLimit / 8)));
        this.segmentBytes = segmentBytes;
        this.own = new Journal(spool.newJournalDir(this.o.spoolDir, label), { writable: true, segmentBytes, log });
        this.own.openSync();
        spool.live.add(this.own.dir);
        spool.touch(this.own.dir);
        this.adopted = []; // journals of dead processes, oldest first
        this.scanOrphans();

        this.timers.push(setInterval(() => this.own.sync().catch(() => {}), this.o.syncInterval));
        this.timers.push(setInterval(() => {
            for (const j of [this.own, ...this.adopted]) {
                spool.touch(j.dir);
            }
        }, Math.min(5000, this.o.staleAfter / 4)));
        this.timers.push(setInterval(() => this.scanOrphans(), this.o.orphanScanInterval));
        for (const t of this.timers) {
            t.unref();
        }
        this.loopDone = this.loop();
    }

    /** Adopts the journals of processes that are gone. */
    scanOrphans() {
        const mine = new Set([this.own.dir, ...this.adopted.map(j => j.dir)]);
        for (const orphan of spool.findOrphans(this.o.spoolDir, mine, this.o.staleAfter)) {
            const dir = spool.adopt(orphan, this.o.spoolDir, this.label);
            if (!dir) {
                continue;
            }
            spool.live.add(dir);
            const j = new Journal(dir, { writable: false, segmentBytes: this.segmentBytes, log: this.log });
            try {
                j.openSync();
            } catch (err) {
                this.log.error(`tinomail: cannot open journal ${dir} left by an earlier process: ${err.message}`);
                continue;
            }
            if (j.empty()) {
                fs.rmSync(dir, { recursive: true, force: true });
                continue;
            }
            this.log.info(`tinomail: replaying ${j.unackedBytes()} bytes of events left in ${orphan} by an earlier process`);
            this.adopted.push(j);
            this.kick();
        }
    }

    /**
     * Spools one event. Synchronous and quick: the caller (an MTA hook)
     * returns right after. Never throws.
     */
    push(event) {
        let buf;
        try {
            buf = Buffer.from(JSON.stringify(event) + '\n');
        } catch (err) {
            return this.drop(1, `cannot encode event: ${err.message}`);
        }
        if (this.spoolBytes() + buf.length > this.o.spoolLimit) {
            return this.drop(1, `spool ${this.o.spoolDir} is full (spoolLimit ${this.o.spoolLimit} bytes) while the server is not taking events`);
        }
        try {
            this.own.appendSync(buf);
        } catch (err) {
            return this.drop(1, `cannot write to spool ${this.own.dir}: ${err.message}`);
        }
        this.counters.spooled++;
        if (this.unsent++ === 0) {
            this.firstUnsentAt = Date.now();
        }
        if (this.unsent >= this.o.batchSize) {
            this.kick();
        }
    }

    drop(n, why) {
        this.counters.dropped += n;
        const now = Date.now();
        // loud, but not one line per event when thousands are refused
        if (now - this.lastDropLog >= 10000 || this.counters.dropped === n) {
            this.lastDropLog = now;
            this.log.error(`tinomail: EVENTS LOST: ${why}; ${this.counters.dropped} events dropped so far by this process`);
        }
    }

    spoolBytes() {
        let n = this.own.unackedBytes();
        for (const j of this.adopted) {
            n += j.unackedBytes();
        }
        return n;
    }

    /** Wakes the loop from an idle wait (new events), not from a backoff. */
    kick() {
        if (this.wake && !this.backingOff) {
            const w = this.wake;
            this.wake = null;
            w();
        }
    }

    sleep(ms) {
        return new Promise(resolve => {
            const t = setTimeout(() => {
                this.wake = null;
                resolve();
            }, ms);
            t.unref(); // the MTA decides when its process ends; the spool keeps the rest
            this.wake = () => {
                clearTimeout(t);
                resolve();
            };
        });
    }

    /** The journal to send from next: adopted ones first, oldest first. */
    async next() {
        while (this.adopted.length) {
            const j = this.adopted[0];
            const b = await j.nextBatch(this.o.batchSize, this.o.maxBatchBytes);
            if (b) {
                return { j, b };
            }
            await j.close();
            fs.rmSync(j.dir, { recursive: true, force: true });
            spool.live.delete(j.dir);
            this.adopted.shift();
        }
        const ready = this.draining || this.own.inflight || this.unsent >= this.o.batchSize ||
            (this.unsent > 0 && Date.now() - this.firstUnsentAt >= this.o.flushInterval) ||
            this.unsent === 0; // a backlog this process did not count (nothing new)
        if (!ready) {
            return null;
        }
        const b = await this.own.nextBatch(this.o.batchSize, this.o.maxBatchBytes);
        return b ? { j: this.own, b } : null;
    }

    async loop() {
        while (!this.closing || this.draining) {
            let item;
            try {
                item = await this.next();
            } catch (err) {
                this.log.error(`tinomail: reading the spool failed: ${err.message}`);
                await this.sleep(1000);
                continue;
            }
            if (!item) {
                if (this.draining) {
                    this.drained();
                    return;
                }
                const wait = this.unsent > 0 ? Math.max(1, this.o.flushInterval - (Date.now() - this.firstUnsentAt)) : this.o.flushInterval;
                await this.sleep(wait);
                continue;
            }
            try {
                await this.ship(item.j, item.b);
            } catch (err) {
                this.log.error(`tinomail: ${err.message}`);
                await this.sleep(1000);
            }
        }
    }

    /** Sends one batch until the server has it, or refused it for good. */
    async ship(j, b) {
        if (!b.recorded) {
            await j.markInflight(b);
            if (j === this.own) {
                this.unsent = Math.max(0, this.unsent - b.count);
                this.firstUnsentAt = Date.now();
            }
        }
        for (let attempt = 0; ; attempt++) {
            if (this.closing && !this.draining) {
                return; // stays in flight: the next process re-sends the same bytes
            }
            const res = await post(this.o.serverUrl, this.o.apiKey, b.body, this.o.requestTimeout);
            if (res.status === 202 || res.status === 400) {
                this.account(b, res);
                await j.acknowledge(b);
                if (j !== this.own) {
                    this.counters.replayed += b.count;
                }
                return;
            }
            if (res.status === 413 && b.count > 1) {
                // nothing was stored: a smaller batch is safe to send instead
                await this.split(j, b);
                return;
            }
            if (res.status === 413) {
                this.log.error(`tinomail: the server refuses a single event as too large (413); dropping it: ${res.body}`);
                this.counters.dropped++;
                await j.acknowledge(b);
                return;
            }
            this.counters.retries++;
            const why = res.error ? res.error.message : `HTTP ${res.status} ${String(res.body).slice(0, 200)}`;
            const delay = backoff(attempt, res.retryAfterMs, this.o.retryBase, this.o.retryMax);
            const level = res.status === 401 || res.status === 403 || res.status === 404 ? 'error' : 'warn';
            if (attempt === 0 || attempt % 10 === 0 || level === 'error') {
                this.log[level](`tinomail: sending ${b.count} events to ${this.o.serverUrl} failed (${why}); retry ${attempt + 1} in ${delay} ms, ${this.spoolBytes()} bytes spooled`);
            }
            this.backingOff = true;
            try {
                await this.sleep(delay);
            } finally {
                this.backingOff = false;
            }
        }
    }

    async split(j, b) {
        const half = Math.ceil(b.count / 2);
        let end = 0;
        for (let n = 0; n < half; n++) {
            end = b.body.indexOf(10, end) + 1;
        }
        const smaller = { seg: b.seg, from: b.from, to: b.from + end, body: b.body.subarray(0, end), count: half };
        await j.markInflight(smaller);
        this.log.warn(`tinomail: the server found a batch of ${b.count} events too large (413); sending ${half} at a time`);
    }

    account(b, res) {
        let out = {};
        try {
            out = JSON.parse(res.body) || {};
        } catch {
            // counts stay unknown
        }
        const queued = Number(out.queued) || 0;
        const rejected = res.status === 400 ? Number(out.rejected) || b.count : Number(out.rejected) || 0;
        this.counters.sent += b.count;
        this.counters.accepted += queued;
        this.counters.rejected += rejected;
        if (res.status === 400 || rejected > 0) {
            const errors = Array.isArray(out.errors) ? out.errors.slice(0, 5) : [];
            const detail = errors.map(e => `#${e.index} ${e.field || ''} ${e.message || ''}`.trim()).join('; ');
            this.log.error(`tinomail: the server refused ${rejected} of ${b.count} events as invalid (not retried): ${detail || String(res.body).slice(0, 300)}`);
        }
    }

    drained() {
        if (this.onDrained) {
            this.onDrained();
        }
    }

    /**
     * Sends what is spooled, for at most timeoutMs, then stops. Whatever the
     * server has not acknowledged stays in the spool for the next process.
     */
    async close(timeoutMs = 5000) {
        if (this.closing) {
            return this.closed;
        }
        this.closing = true;
        this.draining = true;
        this.closed = (async () => {
            const drained = new Promise(resolve => {
                this.onDrained = resolve;
            });
            this.kick();
            let timer;
            await Promise.race([drained, this.loopDone, new Promise(resolve => {
                timer = setTimeout(resolve, timeoutMs);
            })]);
            clearTimeout(timer);
            this.draining = false;
            this.backingOff = false;
            this.kick();
            for (const t of this.timers) {
                clearInterval(t);
            }
            for (const j of [this.own, ...this.adopted]) {
                await j.close();
                spool.live.delete(j.dir); // what is left is for the next process
            }
            if (this.own.empty()) {
                fs.rmSync(this.own.dir, { recursive: true, force: true });
            }
            this.log.info(`tinomail: closed; ${JSON.stringify(this.stats())}`);
        })();
        return this.closed;
    }

    /** Counters for logs and tests. */
    stats() {
        return { ...this.counters, spoolBytes: this.spoolBytes(), adoptedJournals: this.adopted.length };
    }
}

module.exports = { Shipper, options, DEFAULTS };
