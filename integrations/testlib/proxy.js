'use strict';

// A fault-injecting HTTP proxy in front of tinomail, for the outage tests:
//   pass    forward requests and answers
//   503     answer 503 with Retry-After without forwarding
//   swallow forward the request (tinomail stores it) and cut the connection
//           instead of answering: the client cannot know it was stored
//   down    not listening at all (connection refused)

const http = require('node:http');

class Proxy {
    constructor(port, upstream) {
        this.port = port;
        this.upstream = upstream; // () => 'http://127.0.0.1:N'
        this.mode = 'pass';
        this.retryAfter = '1';
        this.counts = { requests: 0, forwarded: 0, answered503: 0, swallowed: 0, failed: 0 };
        this.sockets = new Set();
        this.server = null;
    }

    listen() {
        this.server = http.createServer((req, res) => this.handle(req, res));
        this.server.keepAliveTimeout = 1000;
        this.server.on('connection', s => {
            this.sockets.add(s);
            s.on('close', () => this.sockets.delete(s));
        });
        return new Promise((resolve, reject) => {
            this.server.once('error', reject);
            this.server.listen(this.port, '127.0.0.1', resolve);
        });
    }

    /** Stops listening and cuts every open connection. */
    async down() {
        this.mode = 'down';
        const closed = new Promise(resolve => this.server.close(resolve));
        for (const s of this.sockets) {
            s.destroy();
        }
        await closed;
    }

    async up(mode = 'pass') {
        this.mode = mode;
        await this.listen();
    }

    handle(req, res) {
        this.counts.requests++;
        const chunks = [];
        req.on('data', c => chunks.push(c));
        req.on('end', () => {
            const mode = this.mode;
            if (mode === '503') {
                this.counts.answered503++;
                res.writeHead(503, { 'content-type': 'application/json', 'retry-after': this.retryAfter });
                res.end('{"error":{"code":"queue_unavailable","message":"injected by the test proxy"}}');
                return;
            }
            const headers = { ...req.headers };
            delete headers.host;
            const up = http.request(this.upstream() + req.url, { method: req.method, headers }, ur => {
                const body = [];
                ur.on('data', c => body.push(c));
                ur.on('end', () => {
                    this.counts.forwarded++;
                    if (mode === 'swallow') {
                        this.counts.swallowed++;
                        req.socket.destroy();
                        return;
                    }
                    res.writeHead(ur.statusCode, ur.headers);
                    res.end(Buffer.concat(body));
                });
            });
            up.on('error', () => {
                this.counts.failed++;
                req.socket.destroy(); // upstream down: the client sees a reset
            });
            up.end(Buffer.concat(chunks));
        });
    }

    close() {
        if (this.mode === 'down' || !this.server) {
            return Promise.resolve();
        }
        for (const s of this.sockets) {
            s.destroy();
        }
        return new Promise(resolve => this.server.close(resolve));
    }
}

module.exports = { Proxy };
