'use strict';

// A journal is one directory of append-only segment files holding events as
// NDJSON lines, and a state file saying how far the server has acknowledged
// them and which batch is in flight.
//
// Why it survives a crash at any point without losing or doubling an
// acknowledged event:
// - An event is written (write(2), synchronously) before the hook returns,
//   so a crash of the process after that loses nothing: the kernel has it.
//   Power loss is covered by fdatasync every syncInterval and before a batch
//   is sent.
// - A batch is a byte range of one segment. Its range is recorded in the
//   state file (written to a temporary file, fsynced, renamed) BEFORE it is
//   sent, so a new process re-sends exactly the same bytes: the server
//   recognises an identical body within its duplicate window (2 minutes).
// - The acknowledged offset moves (same atomic state write) only after the
//   server answered 202 or 400; segments entirely below it are deleted.
// - A trailing partial line (a crash or a full disk in the middle of a write)
//   is never sent: batches end at the last newline, and an incomplete tail of
//   a closed segment is skipped and reported.

const fs = require('node:fs');
const fsp = require('node:fs/promises');
const path = require('node:path');

const STATE = 'state.json';
const SEGMENT_RE = /^seg-(\d{10})\.ndjson$/;

function segmentName(n) {
    return 'seg-' + String(n).padStart(10, '0') + '.ndjson';
}

class Journal {
    /**
     * @param {string} dir directory of this journal (created when missing)
     * @param {object} opts
     * @param {boolean} opts.writable whether this process appends to it
     * @param {number} opts.segmentBytes rotate the active segment beyond this size
     * @param {object} opts.log {info, warn, error}(message)
     */
    constructor(dir, opts) {
        this.dir = dir;
        this.writable = !!opts.writable;
        this.segmentBytes = opts.segmentBytes;
        this.log = opts.log;
        this.ack = { seg: 0, off: 0 };
        this.inflight = null; // {seg, from, to, count}
        this.sizes = new Map(); // segment number -> bytes on disk
        this.fd = null; // active segment, when writable
        this.active = -1;
        this.dirty = false;
        this.stateWrites = Promise.resolve();
    }

    /** Loads the state and the segment list; opens a segment for appending. */
    openSync() {
        fs.mkdirSync(this.dir, { recursive: true });
        try {
            const st = JSON.parse(fs.readFileSync(path.join(this.dir, STATE), 'utf8'));
            if (st && st.ack && Number.isInteger(st.ack.seg) && Number.isInteger(st.ack.off)) {
                this.ack = st.ack;
            }
            if (st && st.inflight && Number.isInteger(st.inflight.seg)) {
                this.inflight = st.inflight;
            }
        } catch (err) {
            if (err.code !== 'ENOENT') {
                this.log.error(`journal ${this.dir}: unreadable state file, replaying every segment: ${err.message}`);
            }
        }
        for (const name of fs.readdirSync(this.dir)) {
            const m = SEGMENT_RE.exec(name);
            if (!m) {
                continue;
            }
            const n = Number(m[1]);
            if (n < this.ack.seg) {
                // acknowledged, the deletion was interrupted
                fs.rmSync(path.join(this.dir, name), { force: true });
                continue;
            }
            this.sizes.set(n, fs.statSync(path.join(this.dir, name)).size);
        }
        if (this.writable) {
            // Never append to a segment an earlier process wrote: its tail may
            // be a partial line. Start a new one.
            this.rotateSync();
        }
    }

    segments() {
        return [...this.sizes.keys()].sort((a, b) => a - b);
    }

    /** Bytes written but not acknowledged. */
    unackedBytes() {
        let n = 0;
        for (const [seg, size] of this.sizes) {
            if (seg === this.ack.seg) {
                n += Math.max(0, size - this.ack.off);
            } else if (seg > this.ack.seg) {
                n += size;
            }
        }
        return n;
    }

    /** Whether nothing remains to send. */
    empty() {
        return this.unackedBytes() === 0 && !this.inflight;
    }

    rotateSync() {
        const next = this.sizes.size ? Math.max(...this.sizes.keys()) + 1 : Math.max(this.ack.seg, 1);
        const fd = fs.openSync(path.join(this.dir, segmentName(next)), 'a');
        const old = this.fd;
        this.fd = fd;
        this.active = next;
        this.sizes.set(next, 0);
        if (this.sizes.size === 1 && this.ack.seg < next) {
            this.ack = { seg: next, off: 0 };
        }
        if (old !== null) {
            // flush the closed segment in the background: hooks must not wait
            fs.fdatasync(old, () => fs.close(old, () => {}));
        }
    }

    /**
     * Appends one line. Synchronous by design: once it returns, a crash of
     * the process cannot lose the event.
     */
    appendSync(buf) {
        if (this.sizes.get(this.active) >= this.segmentBytes) {
            this.rotateSync();
        }
        const before = this.sizes.get(this.active);
        let written = 0;
        try {
            while (written < buf.length) {
                written += fs.writeSync(this.fd, buf, written, buf.length - written);
            }
        } catch (err) {
            // A partial line must not be glued to the next one: cut it off,
            // or when even that fails, continue in a fresh segment.
            try {
                fs.ftruncateSync(this.fd, before);
            } catch {
                this.sizes.set(this.active, before + written);
                try {
                    this.rotateSync();
                } catch {
                    // the next append reports the error again
                }
            }
            throw err;
        }
        this.sizes.set(this.active, before + buf.length);
        this.dirty = true;
    }

    /** fdatasync of the active segment, when something was written since. */
    async sync() {
        if (!this.dirty || this.fd === null) {
            return;
        }
        this.dirty = false;
        const fd = this.fd;
        await new Promise(resolve => fs.fdatasync(fd, () => resolve()));
    }

    /**
     * The next batch: the recorded in-flight range when there is one (it must
     * be re-sent as it was), else up to maxEvents complete lines and about
     * maxBytes from the acknowledged offset. Returns null when nothing is
     * ready. Skips (and reports) incomplete tails of closed segments.
     */
    async nextBatch(maxEvents, maxBytes) {
        if (this.inflight && !this.sizes.has(this.inflight.seg)) {
            this.log.error(`journal ${this.dir}: the batch in flight names a missing segment ${this.inflight.seg}; going on from the acknowledged offset`);
            this.inflight = null;
        }
        if (this.inflight) {
            const r = this.inflight;
            const body = await this.readRange(r.seg, r.from, r.to);
            return { seg: r.seg, from: r.from, to: r.to, body, count: countLines(body), recorded: true };
        }
        for (;;) {
            const { seg, off } = this.ack;
            const size = this.sizes.get(seg);
            if (size === undefined) {
                const later = this.segments().filter(n => n > seg);
                if (!later.length) {
                    return null;
                }
                this.ack = { seg: later[0], off: 0 };
                continue;
            }
            const closed = seg !== this.active;
            if (off >= size) {
                if (!closed) {
                    return null;
                }
                await this.finishSegment(seg);
                continue;
            }
            const want = Math.min(size - off, maxBytes);
            let body = await this.readRange(seg, off, off + want);
            let end = cutLines(body, maxEvents);
            if (end === 0 && want < size - off) {
                // a single line longer than maxBytes: take it whole
                body = await this.readRange(seg, off, size);
                end = cutLines(body, 1);
            }
            if (end === 0) {
                if (!closed) {
                    return null; // the writer is mid-line; cannot happen between hooks
                }
                this.log.error(`journal ${this.dir}: skipping an incomplete last line of ${body.length} bytes in ${segmentName(seg)} (written during a crash)`);
                await this.finishSegment(seg);
                continue;
            }
            body = body.subarray(0, end);
            return { seg, from: off, to: off + end, body, count: countLines(body), recorded: false };
        }
    }

    async readRange(seg, from, to) {
        const fh = await fsp.open(path.join(this.dir, segmentName(seg)), 'r');
        try {
            const buf = Buffer.alloc(to - from);
            let got = 0;
            while (got < buf.length) {
                const { bytesRead } = await fh.read(buf, got, buf.length - got, from + got);
                if (bytesRead === 0) {
                    break;
                }
                got += bytesRead;
            }
            return buf.subarray(0, got);
        } finally {
            await fh.close();
        }
    }

    /** Records the batch as in flight, durably, before it is sent. */
    async markInflight(batch) {
        if (batch.seg === this.active) {
            this.dirty = true;
            await this.sync(); // the bytes we send must survive a power loss too
        }
        this.inflight = { seg: batch.seg, from: batch.from, to: batch.to, count: batch.count };
        batch.recorded = true;
        await this.writeState();
    }

    /** The server has the batch (or refused it for good): move past it. */
    async acknowledge(batch) {
        this.inflight = null;
        this.ack = { seg: batch.seg, off: batch.to };
        await this.writeState();
        if (batch.seg !== this.active && batch.to >= this.sizes.get(batch.seg)) {
            await this.finishSegment(batch.seg);
        }
    }

    async finishSegment(seg) {
        const later = this.segments().filter(n => n > seg);
        this.ack = later.length ? { seg: later[0], off: 0 } : { seg: seg + 1, off: 0 };
        await this.writeState();
        this.sizes.delete(seg);
        await fsp.rm(path.join(this.dir, segmentName(seg)), { force: true });
    }

    /** Atomic replacement of the state file; writes are serialised. */
    writeState() {
        const data = JSON.stringify({ ack: this.ack, inflight: this.inflight });
        const p = this.stateWrites.then(() => writeFileAtomic(path.join(this.dir, STATE), data));
        this.stateWrites = p.catch(() => {});
        return p;
    }

    async close() {
        await this.stateWrites;
        if (this.fd !== null) {
            const fd = this.fd;
            this.fd = null;
            await new Promise(resolve => fs.fdatasync(fd, () => fs.close(fd, () => resolve())));
        }
    }
}

async function writeFileAtomic(file, data) {
    const tmp = file + '.tmp';
    const fh = await fsp.open(tmp, 'w');
    try {
        await fh.writeFile(data);
        await fh.datasync();
    } finally {
        await fh.close();
    }
    await fsp.rename(tmp, file);
    try {
        const dh = await fsp.open(path.dirname(file), 'r');
        await dh.sync().catch(() => {});
        await dh.close();
    } catch {
        // directories cannot be opened for fsync on every platform
    }
}

/** Offset just past the last of at most max complete lines in buf. */
function cutLines(buf, max) {
    let end = 0;
    let n = 0;
    let i = buf.indexOf(10);
    while (i !== -1 && n < max) {
        end = i + 1;
        n++;
        i = buf.indexOf(10, end);
    }
    return end;
}

function countLines(buf) {
    let n = 0;
    for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) {
        n++;
    }
    return n;
}

module.exports = { Journal, cutLines, countLines, segmentName };
