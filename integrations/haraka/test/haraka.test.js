'use strict';

// A real Haraka from npm, with the TinoMail plugin, receiving SMTP sessions
// (accepted, rejected at RCPT and at DATA, greylisted); the events are
// checked in a real tinomail serve.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { Server } = require('../../testlib/tinomail');
const { Haraka, smtpSession } = require('../../testlib/haraka');

let server;
let haraka;
const spoolDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tinomail-haraka-spool-'));

before(async () => {
    server = await new Server().start();
    haraka = await new Haraka().start({
        serverUrl: server.url, apiKey: server.key, nodeId: 'haraka-test', batchSize: 100, flushInterval: 100, spoolDir
    });
});

after(async () => {
    if (haraka) {
        await haraka.stop();
    }
    await server.cleanup();
    fs.rmSync(spoolDir, { recursive: true, force: true });
});

test('accepted, rejected and greylisted SMTP sessions become events', async () => {
    const ok = await smtpSession(haraka.port, {
        from: 'alice@sender.example', rcpts: ['bob@ours.example', 'carol@ours.example'], messageId: '<ok-1@sender.example>'
    });
    assert.match(ok.message, /^250 /, JSON.stringify(ok));
    const mixed = await smtpSession(haraka.port, {
        from: 'dave@sender.example', rcpts: ['reject@ours.example', 'greylist@ours.example', 'erin@ours.example'],
        messageId: '<mixed-1@sender.example>'
    });
    assert.match(mixed['RCPT reject@ours.example'], /^550 /);
    assert.match(mixed['RCPT greylist@ours.example'], /^451 4\.7\.1 Greylisted/);
    assert.match(mixed.message, /^250 /);
    const spam = await smtpSession(haraka.port, {
        from: 'spammer@sender.example', rcpts: ['frank@ours.example'], subject: 'SPAM-TEST win', messageId: '<spam-1@sender.example>'
    });
    assert.match(spam.message, /^550 /);

    const evs = await server.waitEvents(6, 20000, '&node=haraka-test');
    const log = () => haraka.log.slice(-3000);
    assert.equal(evs.length, 6, JSON.stringify(evs, null, 1) + log());
    const find = (type, to) => evs.filter(e => e.eventType === type && e.toAddress === to);

    for (const to of ['bob@ours.example', 'carol@ours.example', 'erin@ours.example']) {
        const [r] = find('received', to);
        assert.ok(r, `no received event for ${to}`);
        assert.equal(r.direction, 'inbound');
        assert.equal(r.mtaNode, 'haraka-test');
        assert.equal(r.sendingIp, '127.0.0.1');
        assert.equal(r.spfResult, 'pass');
        assert.equal(r.dkimResult, 'pass');
        assert.equal(r.dmarcResult, 'pass');
        assert.equal(r.spamScore, -0.4);
        assert.equal(r.spamAction, 'accept');
        assert.ok(r.messageSize > 100, `size ${r.messageSize}`);
        assert.match(r.queueId, /^[0-9A-F-]{36}\.\d+$/);
    }
    const [bob] = find('received', 'bob@ours.example');
    assert.equal(bob.fromAddress, 'alice@sender.example');
    assert.equal(bob.messageId, '<ok-1@sender.example>');

    const [rej] = find('rejected', 'reject@ours.example');
    assert.equal(rej.statusCode, 550);
    assert.equal(rej.direction, 'inbound');
    assert.equal(rej.fromAddress, 'dave@sender.example');
    assert.match(rej.bounceMessage, /test_policy at rcpt/);

    const [grey] = find('deferred', 'greylist@ours.example');
    assert.equal(grey.statusCode, 451);
    assert.match(grey.statusMessage, /^451 4\.7\.1 Greylisted/);
    assert.equal(grey.spamAction, 'greylist');
    assert.equal(grey.bounceCategory, 'greylisted');
    assert.equal(grey.direction, 'inbound');

    const [sp] = find('rejected', 'frank@ours.example');
    assert.equal(sp.statusCode, 550);
    assert.equal(sp.spamAction, 'reject');
    assert.equal(sp.spamScore, 17.5);
    assert.equal(sp.direction, 'inbound');
    assert.match(sp.bounceMessage, /at data_post/);
});
