'use strict';

// The spool directory holds one journal per process. A process writes only to
// its own journal; journals whose process is gone are adopted by a live
// process with the same spoolDir (after a restart: the new one) and replayed,
// oldest first, before its own events.
//
// Journal directories are named <label>-<host>-<pid>-<random>. A directory is
// an orphan when its process is gone (same host, pid not running, or running
// but it is us: a pid reused after a restart, common in containers), or when
// its heartbeat file has not been touched for staleMs (another host sharing
// the directory, or a pid reused by an unrelated process). Adoption is an
// atomic rename to a name of our own, so two processes never adopt the same
// journal.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');

const HEARTBEAT = 'alive';
const NAME_RE = /^([a-z0-9_]+)-(.+)-(\d+)-([0-9a-f]{8})$/;

function safeHost() {
    return os.hostname().replace(/[^A-Za-z0-9.]/g, '_') || 'host';
}

function newJournalDir(spoolDir, label) {
    const l = String(label || 'mta').toLowerCase().replace(/[^a-z0-9_]/g, '_');
    return path.join(spoolDir, `${l}-${safeHost()}-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
}

// Journals open in this process, whichever shipper owns them: never orphans.
const live = new Set();

function pidAlive(pid) {
    if (pid === process.pid) {
        return false; // a journal named with our pid that is not ours: pid reused
    }
    try {
        process.kill(pid, 0);
        return true;
    } catch (err) {
        return err.code === 'EPERM';
    }
}

/** Journal directories in spoolDir that no live process owns. */
function findOrphans(spoolDir, own, staleMs) {
    let names;
    try {
        names = fs.readdirSync(spoolDir);
    } catch {
        return [];
    }
    const host = safeHost();
    const now = Date.now();
    const out = [];
    for (const name of names) {
        const dir = path.join(spoolDir, name);
        const m = NAME_RE.exec(name);
        if (!m || own.has(dir) || live.has(dir)) {
            continue;
        }
        let orphan = m[2] === host && !pidAlive(Number(m[3]));
        if (!orphan) {
            let last = 0;
            try {
                last = Math.max(fs.statSync(path.join(dir, HEARTBEAT)).mtimeMs, fs.statSync(dir).ctimeMs);
            } catch {
                try {
                    last = fs.statSync(dir).ctimeMs;
                } catch {
                    continue;
                }
            }
            orphan = now - last > staleMs;
        }
        if (orphan) {
            let created = 0;
            try {
                created = fs.statSync(dir).birthtimeMs || fs.statSync(dir).ctimeMs;
            } catch {
                continue;
            }
            out.push({ dir, created });
        }
    }
    return out.sort((a, b) => a.created - b.created).map(o => o.dir);
}

/** Renames an orphan to a directory of ours; null when another process won. */
function adopt(orphan, spoolDir, label) {
    const to = newJournalDir(spoolDir, label);
    try {
        fs.renameSync(orphan, to);
    } catch {
        return null;
    }
    touch(to);
    return to;
}

function touch(dir) {
    const f = path.join(dir, HEARTBEAT);
    const t = new Date();
    try {
        fs.utimesSync(f, t, t);
    } catch {
        try {
            fs.writeFileSync(f, JSON.stringify({ pid: process.pid, host: os.hostname() }));
        } catch {
            // the directory is gone (adopted by someone who thought us dead)
        }
    }
}

module.exports = { newJournalDir, findOrphans, adopt, touch, live };
