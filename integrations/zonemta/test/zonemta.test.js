'use strict';

// The ZoneMTA plugin, loaded by ZoneMTA's real plugin runner, against a real
// tinomail serve: event mapping, exactly-once delivery through outages, 503s,
// lost answers and restarts, replay by a new process, the spool limit, and
// how long hooks take.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { Server, freePort, sleep } = require('../../testlib/tinomail');
const { Proxy } = require('../../testlib/proxy');
const { loadPlugin, fireMessage } = require('../../testlib/zonemta');

let server;
let proxy;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tinomail-zonemta-test-'));

before(async () => {
    server = await new Server().start();
    proxy = new Proxy(await freePort(), () => server.url);
    await proxy.listen();
});

after(async () => {
    await proxy.close();
    await server.cleanup();
    fs.rmSync(tmp, { recursive: true, force: true });
});

function config(name, extra = {}) {
    return {
        serverUrl: `http://127.0.0.1:${proxy.port}`, apiKey: server.key, nodeId: 'mta-' + name,
        batchSize: 100, flushInterval: 100, spoolDir: path.join(tmp, name), spoolLimit: 64 * 1024 * 1024,
        retryBase: 50, retryMax: 1000, ...extra
    };
}

function byQueueId(events) {
    const m = new Map();
    for (const e of events) {
        const k = `${e.queueId}/${e.eventType}/${e.toAddress}`;
        m.set(k, (m.get(k) || 0) + 1);
    }
    return m;
}

function assertOnce(events, expected) {
    const counts = byQueueId(events);
    const doubled = [...counts].filter(([, n]) => n > 1);
    assert.deepEqual(doubled, [], 'events stored more than once');
    assert.equal(events.length, expected, `stored ${events.length} events, want ${expected}`);
}

test('maps ZoneMTA lifecycle entries to events', async () => {
    const handler = await loadPlugin(config('mapping'));
    const submitted = Date.now() - 90000;
    await fireMessage(handler, '18c2f1a0b3d000', [
        { action: 'ACCEPTED', to: 'alice@gmail.com', response: '250 2.0.0 OK  1732600000 a1-20020a.1 - gsmtp', timer: 420 },
        {
            to: 'bob@yahoo.com', attempts: [
                // a 5xx that ZoneMTA defers on purpose: deferred, not bounced
                { action: 'DEFERRED', category: 'blacklist', mx: 'mta5.am0.yahoodns.net', response: '554 5.7.1 Service unavailable; Client host [192.0.2.10] blocked using zen.spamhaus.org' },
                { action: 'REJECTED', category: 'recipient', mx: 'mta5.am0.yahoodns.net', response: '554 delivery error: dd This user doesn\'t have a yahoo.com account (bob@yahoo.com) [0]' }
            ]
        },
        { action: 'DEFERRED', to: 'carol@example.org', category: 'connection', mx: 'mx.example.org', response: 'Error: connect ECONNREFUSED 198.51.100.7:25', timer: undefined }
    ], { submitted });
    handler.remotelog('18c2f1a0b3d001', false, 'NOQUEUE', {
        'message-id': '<x1@shop.example>', from: 'spam@shop.example', to: 'dave@gmail.com', src: '10.1.2.3',
        description: 'rspamd', responseText: '550 5.7.1 Message rejected as spam'
    });
    handler.remotelog('18c2f1a0b3d002', false, 'DROP', {
        'message-id': '<x2@shop.example>', from: 'x@shop.example', to: 'erin@gmail.com,frank@gmail.com', description: 'blacklisted-recipient'
    });
    handler.remotelog('18c2f1a0b3d000', '001', 'DELETED', { reason: 'api' }); // not an email event

    const evs = await server.waitEvents(10, 20000, '&node=mta-mapping');
    await handler.runHooks('close', []);
    assertOnce(evs, 10);
    const find = (q, t) => evs.find(e => e.queueId === q && e.eventType === t);

    const rec = find('18c2f1a0b3d000.002', 'received');
    assert.equal(rec.direction, 'outbound');
    assert.equal(rec.toAddress, 'bob@yahoo.com');
    assert.equal(rec.fromAddress, 'news@shop.example');
    assert.equal(rec.messageId, '<18c2f1a0b3d000@shop.example>');
    assert.equal(rec.messageSize, 2048);
    assert.equal(rec.mtaNode, 'mta-mapping');
    assert.equal(evs.filter(e => e.eventType === 'received').length, 3);

    const del = find('18c2f1a0b3d000.001', 'delivered');
    assert.equal(del.statusCode, 250);
    assert.match(del.statusMessage, /^250 2\.0\.0 OK/);
    assert.equal(del.sendingIp, '192.0.2.10');
    assert.equal(del.mxHost, 'gmail-smtp-in.l.google.com');
    assert.equal(del.toDomain, 'gmail.com');
    assert.equal(del.deliveryTimeMs, 420);
    assert.equal(del.messageSize, 3100);
    assert.equal(del.messageId, '<18c2f1a0b3d000@shop.example>'); // from sender:fetch
    assert.ok(del.queueTimeMs >= 89000 && del.queueTimeMs < 120000, `queueTimeMs ${del.queueTimeMs}`);
    assert.ok(del.totalTimeMs >= del.queueTimeMs);

    const def = find('18c2f1a0b3d000.002', 'deferred');
    assert.equal(def.statusCode, 554);
    assert.equal(def.bounceCategory, 'blocklisted');
    const bounce = find('18c2f1a0b3d000.002', 'bounced');
    assert.equal(bounce.bounceCategory, 'invalid_recipient');
    assert.equal(bounce.statusCode, 554);
    const conn = find('18c2f1a0b3d000.003', 'deferred');
    assert.equal(conn.statusCode, undefined);
    assert.equal(conn.bounceCategory, 'connection');
    assert.equal(conn.deliveryTimeMs, undefined);

    const noq = find('18c2f1a0b3d001', 'rejected');
    assert.equal(noq.statusCode, 550);
    assert.equal(noq.direction, 'outbound');
    assert.equal(noq.toAddress, 'dave@gmail.com');
    assert.equal(evs.filter(e => e.queueId === '18c2f1a0b3d002' && e.eventType === 'rejected').length, 2);
});

async function fireAccepted(handler, prefix, from, count) {
    for (let i = from; i < from + count; i++) {
        await fireMessage(handler, prefix + String(i).padStart(6, '0'), [{ action: 'ACCEPTED', response: '250 2.0.0 OK' }]);
    }
}

async function until(what, cond, ms = 20000) {
    const t = Date.now();
    while (!(await cond())) {
        if (Date.now() - t > ms) {
            throw new Error('timed out waiting for ' + what);
        }
        await sleep(20);
    }
}

test('every event arrives once through 503s, lost answers, an outage and a server restart', async () => {
    const handler = await loadPlugin(config('outage', { batchSize: 50 }));
    const sh = [...require('../index').shippers].at(-1);
    const base = { ...proxy.counts };
    await fireAccepted(handler, 'out', 0, 100); // 200 events while all is well
    proxy.mode = '503'; // the queue is full
    await fireAccepted(handler, 'out', 100, 100);
    await until('a 503', () => proxy.counts.answered503 > base.answered503);
    // stored, but the answer is lost: the re-sent bodies must not double
    proxy.mode = 'swallow';
    await fireAccepted(handler, 'out', 200, 100);
    await until('a lost answer', () => proxy.counts.swallowed > base.swallowed);
    await sleep(300);
    proxy.mode = 'pass';
    await until('the spool to empty', () => sh.stats().spoolBytes === 0);
    // the server dies (SIGKILL) while events keep coming; no request is in
    // flight at the kill, see the todo test below for why that matters
    proxy.mode = '503';
    await sleep(50);
    await server.kill();
    proxy.mode = 'pass'; // the proxy forwards to a dead server: connection resets
    await fireAccepted(handler, 'out', 300, 100);
    await proxy.down(); // and then nothing listens at all: connection refused
    await fireAccepted(handler, 'out', 400, 100);
    await sleep(500);
    await proxy.up('pass');
    await server.start();
    await fireAccepted(handler, 'out', 500, 100);
    await until('every batch answered', () => sh.stats().accepted >= 1200, 60000);
    await sleep(500); // a second copy of anything would be written by now
    const evs = await server.waitEvents(1200, 10000, '&node=mta-outage');
    const stats = sh.stats();
    await handler.runHooks('close', []);
    assertOnce(evs, 1200);
    assert.equal(stats.dropped, 0);
    assert.ok(stats.retries > 0);
    console.log(`outage test: ${JSON.stringify(stats)}; proxy ${JSON.stringify(proxy.counts)}`);
});

// JetStream's duplicate window does not survive a restart (it is rebuilt
// only from messages the work-queue stream still holds), so the server also
// remembers the content ids of stored messages for an hour, in the database
// (store.AppliedIDWindow): a body stored before a restart, whose answer was
// lost, is skipped when re-sent after it.
test('a lost answer followed by a server restart before the retry does not double the batch', async () => {
    const handler = await loadPlugin(config('restartdup', { batchSize: 50 }));
    const sh = [...require('../index').shippers].at(-1);
    const base = proxy.counts.swallowed;
    proxy.mode = 'swallow';
    await fireAccepted(handler, 'rd', 0, 25);
    await until('a lost answer', () => proxy.counts.swallowed > base);
    proxy.mode = '503';
    await server.waitEvents(50, 10000, '&node=mta-restartdup'); // written, and so deleted from the stream
    await server.kill();
    await server.start();
    proxy.mode = 'pass';
    await until('the retry to be answered', () => sh.stats().accepted >= 50);
    await sleep(500); // let the writer store a second copy, if there is one
    const evs = await server.events('&node=mta-restartdup');
    await handler.runHooks('close', []);
    assertOnce(evs, 50);
});

/** Runs testlib/zonemta-child.js; resolves once it printed "spooled". */
function child(cfg, n, mode = '', prefix = 'crash') {
    const p = spawn(process.execPath, [path.join(__dirname, '..', '..', 'testlib', 'zonemta-child.js'), JSON.stringify(cfg), String(n), mode, prefix],
        { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', d => (out += d));
    p.stderr.on('data', d => (out += d));
    const exited = new Promise(resolve => p.once('exit', resolve));
    const spooled = new Promise((resolve, reject) => {
        const t = setInterval(() => {
            if (/spooled \d+/.test(out)) {
                clearInterval(t);
                resolve();
            } else if (p.exitCode !== null) {
                clearInterval(t);
                reject(new Error('child exited: ' + out));
            }
        }, 10);
    });
    return { p, spooled, exited, out: () => out };
}

test('a killed ZoneMTA process loses nothing: a new process with the same spoolDir replays it', async () => {
    const cfg = config('crash', { batchSize: 100, flushInterval: 50 });
    proxy.mode = '503';
    const first = child(cfg, 500);
    await first.spooled;
    await sleep(300); // some batches are in flight, answered 503
    first.p.kill('SIGKILL');
    await first.exited;
    proxy.mode = 'pass';
    const handler = await loadPlugin(cfg); // the new process
    const sh = [...require('../index').shippers].at(-1);
    await until('the replay', () => sh.stats().accepted >= 500, 30000);
    await sleep(500);
    const evs = await server.waitEvents(500, 10000, '&node=mta-crash');
    await handler.runHooks('close', []);
    assertOnce(evs, 500);
    const left = fs.readdirSync(cfg.spoolDir);
    assert.deepEqual(left, [], 'journals left after everything was acknowledged');
});

test('killed after the server stored a batch but before the answer: the new process re-sends the same body, stored once', async () => {
    const cfg = config('lostack', { batchSize: 1000, flushInterval: 50 });
    proxy.mode = 'swallow';
    const base = proxy.counts.swallowed;
    const first = child(cfg, 300, '', 'lost');
    await first.spooled;
    await until('a lost answer', () => proxy.counts.swallowed > base);
    first.p.kill('SIGKILL');
    await first.exited;
    // the server has them all already; the replay must not double them
    assert.equal((await server.waitEvents(300, 10000, '&node=mta-lostack')).length, 300);
    proxy.mode = 'pass';
    const handler = await loadPlugin(cfg);
    const sh = [...require('../index').shippers].at(-1);
    await until('the replay', () => sh.stats().accepted >= 300);
    await sleep(500); // a second copy would be written by now
    await handler.runHooks('close', []);
    assert.equal(sh.stats().replayed, 300);
    assert.equal(sh.stats().accepted, 300, 'the server took the replayed body');
    assertOnce(await server.waitEvents(300, 5000, '&node=mta-lostack'), 300);
});

test('the close hook sends what is spooled', async () => {
    const cfg = config('close', { batchSize: 10000, flushInterval: 60000 });
    const c = child(cfg, 250, 'close', 'close');
    await c.exited;
    assert.match(c.out(), /closed/);
    assertOnce(await server.waitEvents(250, 10000, '&node=mta-close'), 250);
    assert.deepEqual(fs.readdirSync(cfg.spoolDir), []);
});

test('a full spool drops new events, says so loudly and counts them; what was spooled arrives', async () => {
    const lines = [];
    const handler = await loadPlugin(config('full', { spoolLimit: 40000, batchSize: 50 }), { lines });
    const sh = [...require('../index').shippers].at(-1);
    await proxy.down();
    for (let i = 0; i < 200; i++) {
        handler.remotelog('full' + String(i).padStart(6, '0'), '001', 'ACCEPTED', {
            zone: 'default', from: 'a@shop.example', to: `r${i}@gmail.com`, mx: 'gmail-smtp-in.l.google.com',
            ip: '192.0.2.10', response: '250 2.0.0 OK', size: 1000, timer: 100
        });
    }
    const st = sh.stats();
    assert.ok(st.dropped > 0, 'nothing dropped');
    assert.equal(st.spooled + st.dropped, 200);
    assert.ok(lines.some(l => /^error TinoMail tinomail: EVENTS LOST: spool .* is full/.test(l)), lines.join('\n'));
    await proxy.up('pass');
    const evs = await server.waitEvents(st.spooled, 20000, '&node=mta-full');
    await handler.runHooks('close', []);
    assertOnce(evs, st.spooled);
});

// Wall-clock time includes the moments the OS runs something else: on a
// shared 2-core machine (load 10 while this was written) an empty loop shows
// such pauses of several ms. So the bound is checked on the 95th percentile
// of wall time and on the CPU time all calls consumed (per-call CPU time is
// counted in scheduler ticks); the 99th percentile and the maximum are
// printed.
test('hooks return in under 1 ms and never wait for the network', async () => {
    await proxy.down(); // even with the server unreachable
    const handler = await loadPlugin(config('timing', { batchSize: 200 }));
    const wall = [];
    let cpu = 0;
    const awaited = [];
    const d = { id: 't', seq: '001', recipient: 'x@gmail.com', time: Date.now(), headers: { getFirst: () => '<t@x>' } };
    for (let i = 0; i < 3000; i++) {
        const entry = {
            zone: 'default', from: 'a@shop.example', to: `r${i}@gmail.com`, mx: 'gmail-smtp-in.l.google.com',
            host: '142.250.1.27', ip: '192.0.2.10', response: '250 2.0.0 OK 1700000000 x - gsmtp', size: 1000, timer: 100, start: Date.now()
        };
        const c = process.cpuUsage();
        let t = process.hrtime.bigint();
        handler.remotelog('tim' + i, '001', 'ACCEPTED', entry); // runs the log:entry hook synchronously
        wall.push(Number(process.hrtime.bigint() - t) / 1e6);
        const u = process.cpuUsage(c);
        cpu += (u.user + u.system) / 1000;
        t = process.hrtime.bigint();
        await handler.runHooks('sender:fetch', [d]);
        awaited.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    await proxy.up('pass');
    const q = (a, p) => [...a].sort((x, y) => x - y)[Math.floor(a.length * p)];
    const f = a => `p50 ${q(a, 0.5).toFixed(4)} p99 ${q(a, 0.99).toFixed(4)} p99.9 ${q(a, 0.999).toFixed(4)} max ${Math.max(...a).toFixed(3)} ms`;
    console.log(`log:entry hook wall: ${f(wall)}; cpu ${(cpu / 3000).toFixed(4)} ms per call; sender:fetch awaited: ${f(awaited)}; ${wall.filter(x => x >= 1).length} of 3000 calls took 1 ms or more of wall time`);
    assert.ok(q(wall, 0.95) < 1, `wall p95 ${q(wall, 0.95)} ms`);
    assert.ok(q(wall, 0.5) < 0.2, `wall p50 ${q(wall, 0.5)} ms`);
    assert.ok(cpu / 3000 < 0.2, `cpu ${cpu / 3000} ms per call`);
    assert.ok(q(awaited, 0.95) < 1, `awaited p95 ${q(awaited, 0.95)} ms`);
    const evs = await server.waitEvents(3000, 30000, '&node=mta-timing');
    await handler.runHooks('close', []);
    assertOnce(evs, 3000);
});
