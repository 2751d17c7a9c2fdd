'use strict';

// Haraka's transactions and outbound deliveries mapped to TinoMail events.

const { parseReply, bareAddress, assignPresent } = require('../shipper/reply');

// haraka-constants, copied so that the plugin needs nothing but Node.
const DENY = 902;
const DENYSOFT = 903;
const DENYDISCONNECT = 904;
const DENYSOFTDISCONNECT = 909;

const SPF = new Set(['pass', 'fail', 'softfail', 'neutral', 'none']);
const RSPAMD_ACTIONS = {
    'no action': 'accept', 'add header': 'accept', 'rewrite subject': 'accept',
    greylist: 'greylist', 'soft reject': 'soft_reject', reject: 'reject'
};

function addr(a) {
    if (!a) {
        return '';
    }
    if (typeof a.address === 'function') {
        return bareAddress(a.address());
    }
    return bareAddress(typeof a.address === 'string' ? a.address : a.original || String(a));
}

function result(results, name) {
    try {
        return results && results.get(name);
    } catch {
        return undefined;
    }
}

/** SPF, DKIM, DMARC and rspamd verdicts from the plugins that ran, when present. */
function verdicts(connection, txn) {
    const get = name => result(txn && txn.results, name) || result(connection && connection.results, name);
    const out = {};
    const spf = get('spf');
    const spfResult = spf && String(spf.result || '').toLowerCase();
    if (SPF.has(spfResult)) {
        out.spfResult = spfResult;
    }
    const dkim = get('dkim') || get('dkim_verify');
    if (dkim) {
        if (dkim.pass && [].concat(dkim.pass).length) {
            out.dkimResult = 'pass';
        } else if (dkim.fail && [].concat(dkim.fail).length) {
            out.dkimResult = 'fail';
        } else {
            out.dkimResult = 'none';
        }
    }
    const dmarc = get('dmarc');
    const dmarcResult = dmarc && String(dmarc.result || '').toLowerCase();
    if (['pass', 'fail', 'none'].includes(dmarcResult)) {
        out.dmarcResult = dmarcResult;
    }
    const rspamd = get('rspamd');
    if (rspamd) {
        const score = Number(rspamd.score);
        if (Number.isFinite(score)) {
            out.spamScore = score;
        }
        const action = RSPAMD_ACTIONS[String(rspamd.action || '').toLowerCase()];
        if (action) {
            out.spamAction = action;
        }
    }
    return out;
}

function messageId(txn) {
    try {
        const id = txn && txn.header && txn.header.get('Message-ID');
        return id ? String(id).trim() : undefined;
    } catch {
        return undefined;
    }
}

function common(connection, txn, nodeId, now) {
    return assignPresent({ time: new Date(now).toISOString(), direction: 'inbound', mtaNode: nodeId }, {
        queueId: txn ? txn.uuid : connection && connection.uuid,
        messageId: messageId(txn),
        fromAddress: txn ? addr(txn.mail_from) : '',
        sendingIp: connection && connection.remote && connection.remote.ip
    });
}

/** received: one event per recipient of a message a queue plugin accepted. */
function received(connection, nodeId, now) {
    const txn = connection.transaction;
    if (!txn) {
        return [];
    }
    const base = { ...common(connection, txn, nodeId, now), eventType: 'received', ...verdicts(connection, txn) };
    if (Number.isFinite(txn.data_bytes)) {
        base.messageSize = txn.data_bytes;
    }
    return (txn.rcpt_to || []).map(r => ({ ...base, toAddress: addr(r) }));
}

/**
 * rejected (DENY) or deferred (DENYSOFT: greylisting, soft rejects) from the
 * deny hook. params: [code, msg, plugin, method, hook params, hook].
 */
function denied(connection, params, nodeId, now) {
    const [rc, msg, plugin, , hookParams, hook] = params;
    const soft = rc === DENYSOFT || rc === DENYSOFTDISCONNECT;
    if (!soft && rc !== DENY && rc !== DENYDISCONNECT) {
        return [];
    }
    const txn = connection.transaction;
    const text = msg === undefined || msg === null ? '' : String(Array.isArray(msg) ? msg.join(' ') : msg);
    const dsnCode = msg && typeof msg === 'object' && /^[45]\d\d$/.test(String(msg.code)) ? Number(msg.code) : null;
    const r = parseReply(text);
    const code = dsnCode || r.code || defaultCode(soft, hook);
    const greylist = soft && (/greylist/i.test(String(plugin)) || /greylist/i.test(text));
    const ev = {
        ...common(connection, txn, nodeId, now), ...verdicts(connection, txn),
        eventType: soft ? 'deferred' : 'rejected',
        direction: 'inbound',
        statusCode: code,
        statusMessage: `${code} ${text}`.trim(),
        bounceMessage: `rejected by Haraka plugin ${plugin} at ${hook}`
    };
    if (greylist) {
        ev.spamAction = 'greylist';
        ev.bounceCategory = 'greylisted';
    } else if (soft && /rspamd|spamassassin/i.test(String(plugin))) {
        ev.spamAction = 'soft_reject';
    }
    if (hook === 'mail' && hookParams && hookParams[0]) {
        ev.fromAddress = addr(hookParams[0]);
    }
    if (hook === 'rcpt' && hookParams && hookParams[0]) {
        return [{ ...ev, toAddress: addr(hookParams[0]) }];
    }
    const rcpts = txn && txn.rcpt_to && txn.rcpt_to.length ? txn.rcpt_to : [null];
    return rcpts.map(rc => (rc ? { ...ev, toAddress: addr(rc) } : ev));
}

// What Haraka answers for a DENY/DENYSOFT without its own code.
function defaultCode(soft, hook) {
    if (hook === 'connect' || hook === 'helo' || hook === 'ehlo') {
        return soft ? 421 : 554;
    }
    if (hook === 'data' || hook === 'data_post' || hook === 'queue') {
        return soft ? 451 : 550;
    }
    return soft ? 450 : 550;
}

// Outbound (Haraka relaying): hmail.todo holds the envelope.
function outboundBase(hmail, nodeId, now) {
    const todo = (hmail && hmail.todo) || {};
    const queued = Number(todo.queue_time);
    return assignPresent({ time: new Date(now).toISOString(), direction: 'outbound', mtaNode: nodeId }, {
        queueId: todo.uuid,
        fromAddress: addr(todo.mail_from),
        queueTimeMs: Number.isFinite(queued) && queued > 0 ? Math.max(0, now - queued) : undefined
    });
}

/** delivered: params [host, ip, response, delay, port, mode, ok_recips, secured]. */
function delivered(hmail, params, nodeId, now) {
    const [host, ip, response, delay, , , okRecips] = params || [];
    const r = parseReply(response);
    const base = assignPresent({ ...outboundBase(hmail, nodeId, now), eventType: 'delivered' }, {
        mxHost: host, statusCode: r.code || 250, statusMessage: r.text,
        deliveryTimeMs: Number.isFinite(Number(delay)) ? Math.round(Number(delay) * 1000) : undefined
    });
    void ip; // the MX's address; our sending address is not reported by Haraka here
    return [].concat(okRecips || (hmail.todo && hmail.todo.rcpt_to) || []).map(rc => ({ ...base, toAddress: addr(rc) }));
}

/** deferred: params {delay, err}. */
function deferred(hmail, params, nodeId, now) {
    const err = params && params.err;
    const r = parseReply(err && (err.message || err));
    const base = assignPresent({ ...outboundBase(hmail, nodeId, now), eventType: 'deferred' }, {
        statusCode: r.code || undefined, statusMessage: r.text
    });
    return ((hmail.todo && hmail.todo.rcpt_to) || []).map(rc => assignPresent({ ...base, toAddress: addr(rc) }, {
        statusMessage: rc && rc.reason ? String(rc.reason) : undefined
    }));
}

/** bounced: error is the reason the whole message bounced. */
function bounced(hmail, error, nodeId, now) {
    const r = parseReply(error && (error.message || error));
    const base = assignPresent({ ...outboundBase(hmail, nodeId, now), eventType: 'bounced' }, {
        statusCode: r.code || undefined, statusMessage: r.text
    });
    return ((hmail.todo && hmail.todo.rcpt_to) || []).map(rc => {
        const why = rc && rc.reason ? parseReply(rc.reason) : null;
        return assignPresent({ ...base, toAddress: addr(rc) }, why ? { statusCode: why.code || base.statusCode, statusMessage: why.text } : {});
    });
}

module.exports = { received, denied, delivered, deferred, bounced, verdicts };
