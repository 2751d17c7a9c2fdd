'use strict';

// ZoneMTA's lifecycle, as its remotelog entries tell it, mapped to TinoMail
// events. The event type follows ZoneMTA's action, never the reply class:
// ZoneMTA deliberately defers many 5xx replies (blocklist texts, for one).

const { parseReply, bareAddress, assignPresent } = require('../shipper/reply');

// ZoneMTA's bounce categories (config/bounces.txt and the sender's own) and
// ours. Categories that do not say enough (message, config, protocol,
// envelope, other, plugin) are left out so that TinoMail's classifier decides
// from the reply text, which it does per provider.
const CATEGORIES = {
    recipient: 'invalid_recipient',
    capacity: 'mailbox_full',
    rate: 'rate_limited',
    blacklist: 'blocklisted',
    block: 'blocklisted',
    spam: 'spam_content',
    virus: 'spam_content',
    greylist: 'greylisted',
    network: 'connection',
    connection: 'connection',
    dns: 'dns_no_mx',
    auth: 'auth_policy',
    policy: 'auth_policy',
    dmarc: 'auth_policy',
    sender: 'auth_policy'
};

const TYPES = { ACCEPTED: 'delivered', DEFERRED: 'deferred', REJECTED: 'bounced' };

/** ZoneMTA's recipient sequence: the n-th recipient (from 1) is "00n" in hex. */
function seqOf(n) {
    return n.toString(16).padStart(3, '0');
}

function recipients(to) {
    return [].concat(to || []).join(',').split(',').map(bareAddress).filter(Boolean);
}

function ms(v) {
    if (v instanceof Date) {
        return v.getTime();
    }
    const n = typeof v === 'string' && !/^\d+$/.test(v) ? Date.parse(v) : Number(v);
    return Number.isFinite(n) && n > 0 ? n : null;
}

function nonNegative(v) {
    return typeof v === 'number' && Number.isFinite(v) ? Math.max(0, Math.round(v)) : undefined;
}

/**
 * Events for one log:entry. fetched is what sender:fetch saw of this delivery
 * ({submitted, messageId}), or undefined.
 */
function fromLogEntry(entry, nodeId, now, fetched) {
    if (!entry || typeof entry !== 'object') {
        return [];
    }
    const time = new Date(now).toISOString();
    const base = { time, direction: 'outbound', mtaNode: nodeId };
    const action = String(entry.action || '').toUpperCase();
    const messageId = entry.messageId || entry['message-id'] || (fetched && fetched.messageId);
    const size = Number(entry.size !== undefined ? entry.size : entry.body);
    switch (action) {
        case 'QUEUED':
            return recipients(entry.to).map((to, i) => assignPresent({ ...base, eventType: 'received' }, {
                queueId: `${entry.id}.${seqOf(i + 1)}`,
                messageId: messageId === '<>' ? '' : messageId,
                fromAddress: bareAddress(entry.from),
                toAddress: to,
                messageSize: nonNegative(size)
            }));
        case 'NOQUEUE':
        case 'DROP': {
            const r = parseReply(entry.responseText || entry.error || entry.description);
            const rcpts = recipients(entry.to);
            return (rcpts.length ? rcpts : ['']).map(to => assignPresent({ ...base, eventType: 'rejected' }, {
                queueId: entry.id ? String(entry.id) : '',
                messageId: messageId === '<>' ? '' : messageId,
                fromAddress: bareAddress(entry.from),
                toAddress: to,
                statusCode: r.code || (action === 'NOQUEUE' ? 550 : undefined),
                statusMessage: r.text || [entry.description, entry.error].filter(Boolean).join(': '),
                bounceMessage: entry.description,
                messageSize: nonNegative(size)
            }));
        }
        case 'ACCEPTED':
        case 'DEFERRED':
        case 'REJECTED': {
            const r = parseReply(entry.response);
            const timer = nonNegative(entry.timer);
            const submitted = fetched && fetched.submitted;
            const attemptStart = ms(entry.start) || (timer !== undefined ? now - timer : now);
            const queueTime = submitted ? nonNegative(attemptStart - submitted) : undefined;
            return [assignPresent({ ...base, eventType: TYPES[action] }, {
                queueId: entry.seq ? `${entry.id}.${entry.seq}` : String(entry.id || ''),
                messageId,
                fromAddress: bareAddress(entry.from),
                toAddress: bareAddress(entry.to),
                sendingIp: entry.ip ? String(entry.ip) : undefined,
                mxHost: entry.mx ? String(entry.mx) : undefined,
                statusCode: r.code || undefined,
                statusMessage: r.text,
                deliveryTimeMs: timer,
                queueTimeMs: queueTime,
                totalTimeMs: submitted ? nonNegative(now - submitted) : undefined,
                bounceCategory: action === 'ACCEPTED' ? undefined : CATEGORIES[String(entry.category || '').toLowerCase()],
                messageSize: nonNegative(size)
            })];
        }
        default:
            return []; // DELETED and anything newer: not an email event
    }
}

/** What sender:fetch knows of a delivery that log entries do not carry. */
function fromDelivery(delivery) {
    let messageId = delivery.messageId;
    if (!messageId && delivery.headers && typeof delivery.headers.getFirst === 'function') {
        messageId = delivery.headers.getFirst('Message-ID');
    }
    return {
        submitted: ms(delivery.time) || ms(delivery.created) || null,
        messageId: messageId ? String(messageId).trim() : undefined
    };
}

module.exports = { fromLogEntry, fromDelivery, CATEGORIES, seqOf };
