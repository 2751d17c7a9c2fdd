// A fake ZoneMTA HTTP API for the browser tests, in the shapes ZoneMTA's
// lib/api-server.js answers (the same as internal/zonemta/zonemtatest/fake.go):
// GET /zones, /counter/zone/<zone>, /queued/<queued|deferred>/<zone>?sort=created&order=asc&pageSize=N
// and /message/<id>. The queue is held in memory and can be replaced.
import { createServer } from 'node:http';

/** jsDate is a time as JSON.stringify writes a JavaScript Date. */
const jsDate = (ms) => new Date(ms).toISOString();

const isDeferred = (d, now) => d.deferred != null && d.deferred.next > now;

/**
 * startFakeZoneMTA serves deliveries: [{id, seq, zone, recipient, created (ms),
 * deferred?: {first, last, next (ms), count, response}}]. It resolves to
 * {url, requests, setQueue(zones, deliveries), close()}.
 */
export function startFakeZoneMTA(zones, deliveries) {
  let state = { zones, deliveries };
  const requests = [];
  const answer = (url) => {
    const parts = url.pathname.replace(/^\/+|\/+$/g, '').split('/');
    const now = Date.now();
    const { zones, deliveries } = state;
    const count = (zone) => {
      let active = 0;
      let deferred = 0;
      for (const d of deliveries) {
        if (d.zone !== zone) continue;
        if (isDeferred(d, now)) deferred++;
        else active++;
      }
      return { active, deferred };
    };
    const deferral = (x) => ({ first: x.first, last: x.last, next: x.next, count: x.count, response: x.response });
    if (parts.length === 1 && parts[0] === 'zones') return [200, zones.map((name) => ({ name }))];
    if (parts.length === 3 && parts[0] === 'counter' && parts[1] === 'zone') {
      const c = count(parts[2]);
      const rows = (n) => ({ entries: [{ key: parts[2], value: n }], rows: n });
      return [200, { zone: 'all', active: rows(c.active), deferred: rows(c.deferred) }];
    }
    if (parts.length === 3 && parts[0] === 'queued') {
      const [, type, zone] = parts;
      const size = Number(url.searchParams.get('pageSize'));
      if (url.searchParams.get('sort') !== 'created' || url.searchParams.get('order') !== 'asc' || !(size >= 1)) {
        return [400, { error: 'want sort=created&order=asc&pageSize=N' }];
      }
      const list = deliveries
        .filter((d) => d.zone === zone && isDeferred(d, now) === (type === 'deferred'))
        .sort((a, b) => a.created - b.created)
        .slice(0, size)
        .map((d) => ({
          id: d.id,
          seq: d.seq,
          zone: d.zone,
          recipient: d.recipient,
          created: jsDate(d.created),
          queued: jsDate(d.deferred ? d.deferred.next : d.created),
          ...(d.deferred ? { deferred: deferral(d.deferred) } : {}),
        }));
      return [200, { zone, type, list }];
    }
    if (parts.length === 2 && parts[0] === 'message') {
      const msgs = deliveries
        .filter((d) => d.id === parts[1])
        .map((d) => ({
          id: d.id,
          seq: d.seq,
          zone: d.zone,
          recipient: d.recipient,
          status: isDeferred(d, now) ? 'DEFERRED' : 'QUEUED',
          lock: null,
          ...(isDeferred(d, now) ? { deferred: deferral(d.deferred) } : {}),
        }));
      if (msgs.length === 0) return [404, { error: 'Selected message does not exist' }];
      return [200, { meta: { from: 'sender@example.com' }, messages: msgs }];
    }
    return [404, { code: 'ResourceNotFound', message: url.pathname + ' does not exist' }];
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://fake');
    requests.push(url.pathname + url.search);
    const [status, body] = answer(url);
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        requests,
        setQueue(zones, deliveries) {
          state = { zones, deliveries };
        },
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}
