'use strict';

// The shipper against a real tinomail serve: refused events are not re-sent,
// a batch the server finds too large is split, options are checked.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { Shipper, options } = require('..');
const { Server, memoryLog, sleep } = require('../../testlib/tinomail');

let server;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tinomail-shipper-test-'));

before(async () => {
    server = await new Server().start();
});

after(async () => {
    await server.cleanup();
    fs.rmSync(tmp, { recursive: true, force: true });
});

const ev = (node, i, extra = {}) => ({ time: new Date().toISOString(), eventType: 'delivered', queueId: `${node}.${i}`, mtaNode: node, toAddress: `u${i}@gmail.com`, ...extra });

async function until(cond, ms = 15000) {
    const t = Date.now();
    while (!cond()) {
        if (Date.now() - t > ms) {
            throw new Error('timed out');
        }
        await sleep(20);
    }
}

test('invalid events are logged and dropped, the valid ones of the same batch stored once', async () => {
    const log = memoryLog();
    const s = new Shipper({ serverUrl: server.url, apiKey: server.key, spoolDir: path.join(tmp, 'invalid'), batchSize: 10, flushInterval: 50 }, log, 'test');
    for (let i = 0; i < 9; i++) {
        s.push(ev('ship-invalid', i));
    }
    s.push(ev('ship-invalid', 9, { eventType: 'exploded' }));
    await until(() => s.stats().sent === 10);
    await sleep(500); // a re-send would happen now
    await s.close();
    const st = s.stats();
    assert.equal(st.accepted, 9);
    assert.equal(st.rejected, 1);
    assert.equal(st.retries, 0);
    assert.ok(log.lines.some(l => /refused 1 of 10 events as invalid \(not retried\): #9 eventType/.test(l)), log.lines.join('\n'));
    const evs = await server.waitEvents(9, 10000, '&node=ship-invalid');
    assert.equal(evs.length, 9);
});

test('a batch answered 413 is split until the server takes it; nothing is lost or doubled', async () => {
    // a server with a small body limit, behind which tinomail stores
    const small = http.createServer((req, res) => {
        const chunks = [];
        req.on('data', c => chunks.push(c));
        req.on('end', async () => {
            const body = Buffer.concat(chunks);
            if (body.length > 3000 || req.headers['content-encoding']) {
                res.writeHead(413, { 'content-type': 'application/json' });
                return res.end('{"error":{"code":"body_too_large","message":"too large"}}');
            }
            const up = await fetch(server.url + req.url, { method: 'POST', headers: { 'x-api-key': server.key, 'content-type': 'application/x-ndjson' }, body });
            res.writeHead(up.status, { 'content-type': 'application/json' });
            res.end(await up.text());
        });
    });
    await new Promise(resolve => small.listen(0, '127.0.0.1', resolve));
    const s = new Shipper({ serverUrl: `http://127.0.0.1:${small.address().port}`, apiKey: server.key, spoolDir: path.join(tmp, 'split'), batchSize: 100, flushInterval: 50 }, memoryLog(), 'test');
    for (let i = 0; i < 100; i++) {
        s.push(ev('ship-split', i));
    }
    await until(() => s.stats().accepted === 100);
    await s.close();
    small.close();
    const evs = await server.waitEvents(100, 10000, '&node=ship-split');
    assert.equal(evs.length, 100);
    assert.equal(new Set(evs.map(e => e.queueId)).size, 100);
});

test('options are checked at start', () => {
    assert.throws(() => options({ spoolDir: '/tmp/x' }), /apiKey is required/);
    assert.throws(() => options({ apiKey: 'k' }), /spoolDir is required/);
    assert.throws(() => options({ apiKey: 'k', spoolDir: '/tmp/x', batchSize: 'many' }), /batchSize must be a positive number/);
    assert.throws(() => options({ apiKey: 'k', spoolDir: '/tmp/x', serverUrl: 'not a url' }), /Invalid URL/);
    assert.equal(options({ apiKey: 'k', spoolDir: '/tmp/x', batchSize: '20000' }).batchSize, 10000);
});
