'use strict';

// SMTP reply parsing shared by the plugins.

/**
 * Splits an SMTP reply such as "550 5.1.1 <a@b>: user unknown" (or a
 * multi-line reply flattened by the MTA) into its basic code, its RFC 3463
 * enhanced code and the whole text. code is null when the text does not
 * start with a 3-digit reply code (network errors, DNS failures).
 */
function parseReply(text) {
    const s = String(text === undefined || text === null ? '' : text).replace(/\s+/g, ' ').trim();
    const m = /^([2-5]\d\d)(?:[ -]+([245]\.\d{1,3}\.\d{1,3})\b)?/.exec(s);
    if (!m) {
        const e = /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(s);
        return { code: null, enhanced: e ? e[1] : null, text: s };
    }
    return { code: Number(m[1]), enhanced: m[2] || null, text: s };
}

/** "a@b.c" from "<a@b.c>", "" for the null sender "<>". */
function bareAddress(a) {
    let s = String(a === undefined || a === null ? '' : a).trim();
    if (s.startsWith('<') && s.endsWith('>')) {
        s = s.slice(1, -1).trim();
    }
    return s;
}

/** Sets the keys of src whose values are present on dst; returns dst. */
function assignPresent(dst, src) {
    for (const [k, v] of Object.entries(src)) {
        if (v === undefined || v === null || v === '' || (typeof v === 'number' && !Number.isFinite(v))) {
            continue;
        }
        dst[k] = v;
    }
    return dst;
}

module.exports = { parseReply, bareAddress, assignPresent };
