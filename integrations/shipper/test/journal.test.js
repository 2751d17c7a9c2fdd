'use strict';

// The journal on its own: what a crash can leave behind and how it is read.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Journal, segmentName } = require('../journal');
const { memoryLog } = require('../../testlib/tinomail');

function tmpdir() {
    return fs.mkdtempSync(path.join(os.tmpdir(), 'tinomail-journal-test-'));
}

const line = i => Buffer.from(JSON.stringify({ time: '2026-11-27T00:00:00Z', eventType: 'delivered', queueId: 'q' + i }) + '\n');

test('a batch in flight is re-read byte for byte by the next process', async () => {
    const dir = tmpdir();
    const log = memoryLog();
    const a = new Journal(dir, { writable: true, segmentBytes: 1 << 20, log });
    a.openSync();
    for (let i = 0; i < 10; i++) {
        a.appendSync(line(i));
    }
    const b1 = await a.nextBatch(4, 1 << 20);
    assert.equal(b1.count, 4);
    await a.markInflight(b1);
    a.appendSync(line(10)); // more events arrive after the batch was cut
    // the process dies here; a new one opens the same journal read-only
    const b = new Journal(dir, { writable: false, segmentBytes: 1 << 20, log });
    b.openSync();
    const again = await b.nextBatch(100, 1 << 20);
    assert.ok(again.body.equals(b1.body), 'the re-sent body differs');
    assert.equal(again.count, 4);
    await b.acknowledge(again);
    const rest = await b.nextBatch(100, 1 << 20);
    assert.equal(rest.count, 7);
    assert.match(rest.body.toString(), /"q4"[\s\S]*"q10"/);
    await b.acknowledge(rest);
    assert.equal(await b.nextBatch(100, 1 << 20), null);
    assert.ok(b.empty());
    fs.rmSync(dir, { recursive: true, force: true });
});

test('an incomplete last line left by a crash is skipped and reported, the rest is sent', async () => {
    const dir = tmpdir();
    const log = memoryLog();
    const a = new Journal(dir, { writable: true, segmentBytes: 1 << 20, log });
    a.openSync();
    a.appendSync(line(1));
    a.appendSync(line(2));
    await a.close();
    fs.appendFileSync(path.join(dir, segmentName(1)), '{"time":"2026-11-27T00:00:00Z","eventTy'); // torn write
    const b = new Journal(dir, { writable: false, segmentBytes: 1 << 20, log });
    b.openSync();
    const batch = await b.nextBatch(100, 1 << 20);
    assert.equal(batch.count, 2);
    await b.acknowledge(batch);
    assert.equal(await b.nextBatch(100, 1 << 20), null);
    assert.ok(log.lines.some(l => /skipping an incomplete last line/.test(l)), log.lines.join('\n'));
    assert.deepEqual(fs.readdirSync(dir).filter(n => n.startsWith('seg-')), [], 'the finished segment was not deleted');
    fs.rmSync(dir, { recursive: true, force: true });
});

test('segments rotate, and acknowledged ones are deleted', async () => {
    const dir = tmpdir();
    const j = new Journal(dir, { writable: true, segmentBytes: 200, log: memoryLog() });
    j.openSync();
    for (let i = 0; i < 12; i++) {
        j.appendSync(line(i));
    }
    assert.ok(j.segments().length >= 4, `segments ${j.segments()}`);
    let n = 0;
    for (let b; (b = await j.nextBatch(100, 1 << 20));) {
        n += b.count;
        await j.markInflight(b);
        await j.acknowledge(b);
    }
    assert.equal(n, 12);
    assert.equal(j.unackedBytes(), 0);
    assert.deepEqual(fs.readdirSync(dir).filter(f => f.startsWith('seg-')), [segmentName(j.active)]);
    await j.close();
    fs.rmSync(dir, { recursive: true, force: true });
});
