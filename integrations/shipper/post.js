'use strict';

// One POST of a batch to the ingest API, and the retry policy around it.

const http = require('node:http');
const https = require('node:https');
const zlib = require('node:zlib');

const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: 2 }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: 2 })
};

/**
 * Sends body (NDJSON) and resolves with {status, body, retryAfterMs}, or
 * {error} when no HTTP answer came (refused, reset, timeout).
 */
async function post(url, apiKey, body, timeoutMs) {
    let encoding = null;
    // gzip is deterministic for the same input, and the server hashes the
    // decoded events anyway, so a retried body is still recognised.
    if (body.length > 2048) {
        body = await new Promise((resolve, reject) => zlib.gzip(body, { level: 5 }, (err, out) => (err ? reject(err) : resolve(out))));
        encoding = 'gzip';
    }
    return new Promise(resolve => {
        let u;
        try {
            // relative, so a server behind a path prefix (https://host/tinomail/) works
            u = new URL('api/v1/events/ingest', url.endsWith('/') ? url : url + '/');
        } catch (err) {
            return resolve({ error: err });
        }
        const lib = u.protocol === 'https:' ? https : http;
        const headers = {
            'content-type': 'application/x-ndjson',
            'x-api-key': apiKey,
            'user-agent': 'tinomail-shipper/1'
        };
        if (encoding) {
            headers['content-encoding'] = encoding;
        }
        headers['content-length'] = body.length;
        let done = false;
        const finish = r => {
            if (!done) {
                done = true;
                resolve(r);
            }
        };
        const req = lib.request(u, { method: 'POST', headers, agent: agents[u.protocol] }, res => {
            const chunks = [];
            res.on('data', c => chunks.push(c));
            res.on('end', () => finish({
                status: res.statusCode,
                body: Buffer.concat(chunks).toString('utf8'),
                retryAfterMs: parseRetryAfter(res.headers['retry-after'])
            }));
            res.on('error', error => finish({ error }));
        });
        req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
        req.on('error', error => finish({ error }));
        req.end(body);
    });
}

/** Retry-After in ms (delta-seconds or an HTTP date), or null. */
function parseRetryAfter(v) {
    if (!v) {
        return null;
    }
    if (/^\d+(\.\d+)?$/.test(v.trim())) {
        return Math.round(Number(v) * 1000);
    }
    const t = Date.parse(v);
    return Number.isNaN(t) ? null : Math.max(0, t - Date.now());
}

/**
 * Delay before retry number attempt (0-based): exponential from baseMs,
 * capped at maxMs, with "equal jitter" (half fixed, half random) so that
 * many nodes coming back after an outage do not retry in lock step. A
 * Retry-After from the server is a floor, never shortened.
 */
function backoff(attempt, retryAfterMs, baseMs, maxMs, random = Math.random) {
    const exp = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
    let d = exp / 2 + random() * (exp / 2);
    if (retryAfterMs !== null && retryAfterMs !== undefined) {
        const floor = Math.min(retryAfterMs, 5 * 60 * 1000);
        d = floor + random() * Math.min(1000, floor * 0.2 + 50);
    }
    return Math.round(d);
}

module.exports = { post, backoff, parseRetryAfter };
