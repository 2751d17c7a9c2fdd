'use strict';

// Which journals count as left behind, and that only one process adopts each.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const spool = require('../spool');

const host = os.hostname().replace(/[^A-Za-z0-9.]/g, '_') || 'host';

test('orphans: dead pid, our own pid reused, stale heartbeat; not: a live process, a journal open here', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tinomail-spool-test-'));
    const mk = name => {
        fs.mkdirSync(path.join(dir, name));
        spool.touch(path.join(dir, name));
        return path.join(dir, name);
    };
    const dead = mk(`sender-${host}-999999999-0000abcd`); // no such pid
    const reused = mk(`sender-${host}-${process.pid}-0000abce`); // our pid, not our journal
    const alive = mk(`sender-${host}-1-0000abcf`); // pid 1 runs, heartbeat fresh
    const elsewhere = mk('sender-otherhost-1-0000abd0'); // another host, heartbeat fresh
    const stale = mk('sender-otherhost-2-0000abd1');
    const old = new Date(Date.now() - 120000);
    fs.utimesSync(path.join(stale, 'alive'), old, old);
    const open = mk(`sender-${host}-${process.pid}-0000abd2`);
    spool.live.add(open);
    // directory ctime is fresh for all of them, so "stale" needs both old
    const orphans = spool.findOrphans(dir, new Set(), 60000);
    assert.ok(orphans.includes(dead), 'dead pid');
    assert.ok(orphans.includes(reused), 'pid reused');
    assert.ok(!orphans.includes(alive), 'live process');
    assert.ok(!orphans.includes(elsewhere), 'fresh heartbeat on another host');
    assert.ok(!orphans.includes(open), 'open in this process');
    assert.ok(!orphans.includes(stale), 'ctime is fresh: renamed or created just now');
    assert.ok(spool.findOrphans(dir, new Set(), 0).includes(stale), 'stale heartbeat and ctime');
    spool.live.delete(open);

    const a = spool.adopt(dead, dir, 'sender');
    const b = spool.adopt(dead, dir, 'sender');
    assert.ok(a && fs.existsSync(a), 'first adoption');
    assert.equal(b, null, 'a second process cannot adopt the same journal');
    fs.rmSync(dir, { recursive: true, force: true });
});
