'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { backoff, parseRetryAfter } = require('../post');
const { parseReply } = require('../reply');

test('backoff doubles from the base, is capped, keeps half fixed and honours Retry-After as a floor', () => {
    const lo = () => 0;
    const hi = () => 0.999999;
    assert.equal(backoff(0, null, 500, 30000, lo), 250);
    assert.equal(backoff(0, null, 500, 30000, hi), 500);
    assert.equal(backoff(3, null, 500, 30000, lo), 2000);
    assert.equal(backoff(20, null, 500, 30000, hi), 30000);
    assert.equal(backoff(0, 5000, 500, 30000, lo), 5000);
    assert.ok(backoff(0, 5000, 500, 30000, hi) <= 6000);
    assert.equal(backoff(0, 3_600_000, 500, 30000, lo), 300000, 'Retry-After is capped at 5 minutes');
});

test('Retry-After: seconds or an HTTP date', () => {
    assert.equal(parseRetryAfter('2'), 2000);
    assert.equal(parseRetryAfter(undefined), null);
    assert.equal(parseRetryAfter('soon'), null);
    const d = parseRetryAfter(new Date(Date.now() + 10000).toUTCString());
    assert.ok(d > 8000 && d <= 10000, String(d));
});

test('SMTP replies: code, enhanced code, text', () => {
    assert.deepEqual(parseReply('550-5.1.1 The email account that you tried to reach does not exist.'),
        { code: 550, enhanced: '5.1.1', text: '550-5.1.1 The email account that you tried to reach does not exist.' });
    assert.deepEqual(parseReply('421 Try again later'), { code: 421, enhanced: null, text: '421 Try again later' });
    assert.deepEqual(parseReply('Error: connect ECONNREFUSED 198.51.100.7:25'), { code: null, enhanced: null, text: 'Error: connect ECONNREFUSED 198.51.100.7:25' });
    assert.deepEqual(parseReply(' 250 2.0.0\r\n OK '), { code: 250, enhanced: '2.0.0', text: '250 2.0.0 OK' });
    assert.equal(parseReply(undefined).text, '');
});
