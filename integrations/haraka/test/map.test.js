'use strict';

// Outbound mapping (Haraka relaying) with objects shaped like Haraka's
// HMailItem; the inbound side is covered end to end in haraka.test.js.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const map = require('../map');

// address-rfc2821 Address: the address as a property (Haraka 3)
const A = s => ({ address: s, original: `<${s}>`, reason: undefined });

function hmail(rcpts) {
    return { todo: { uuid: 'AB12CD34-0000-4000-8000-000000000001.1', mail_from: A('news@ours.example'), rcpt_to: rcpts, queue_time: 1_700_000_000_000 } };
}

test('delivered, deferred and bounced outbound mail', () => {
    const now = 1_700_000_090_000;
    const [d] = map.delivered(hmail([A('a@gmail.com')]), ['gmail-smtp-in.l.google.com', '142.250.1.27', '250 2.0.0 OK 1700000090 x - gsmtp', 1.25, 25, 'SMTP', [A('a@gmail.com')], true], 'haraka-out', now);
    assert.deepEqual(d, {
        time: new Date(now).toISOString(), direction: 'outbound', mtaNode: 'haraka-out', eventType: 'delivered',
        queueId: 'AB12CD34-0000-4000-8000-000000000001.1', fromAddress: 'news@ours.example', queueTimeMs: 90000,
        mxHost: 'gmail-smtp-in.l.google.com', statusCode: 250, statusMessage: '250 2.0.0 OK 1700000090 x - gsmtp',
        deliveryTimeMs: 1250, toAddress: 'a@gmail.com'
    });

    const deferredRcpt = { ...A('b@yahoo.com'), reason: '421 4.7.0 [TSS04] Messages temporarily deferred' };
    const [df] = map.deferred(hmail([deferredRcpt]), { delay: 600, err: new Error('421 4.7.0 [TSS04] Messages temporarily deferred') }, 'haraka-out', now);
    assert.equal(df.eventType, 'deferred');
    assert.equal(df.statusCode, 421);
    assert.equal(df.toAddress, 'b@yahoo.com');
    assert.equal(df.direction, 'outbound');

    const bouncedRcpt = { ...A('c@example.org'), reason: '550 5.1.1 <c@example.org>: Recipient address rejected: User unknown' };
    const [b] = map.bounced(hmail([bouncedRcpt]), new Error('Some recipients failed'), 'haraka-out', now);
    assert.equal(b.eventType, 'bounced');
    assert.equal(b.statusCode, 550);
    assert.match(b.statusMessage, /User unknown/);
});

test('verdicts are read from whichever result store has them', () => {
    const store = m => ({ get: k => m[k] });
    const v = map.verdicts({ results: store({ spf: { result: 'SoftFail' } }) },
        { results: store({ dkim: { fail: 'x.example' }, dmarc: { result: 'fail' }, rspamd: { score: 9.1, action: 'soft reject' } }) });
    assert.deepEqual(v, { spfResult: 'softfail', dkimResult: 'fail', dmarcResult: 'fail', spamScore: 9.1, spamAction: 'soft_reject' });
    assert.deepEqual(map.verdicts({ results: store({}) }, { results: store({ spf: { result: 'TempError' } }) }), {});
});
