'use strict';

// Loads the ZoneMTA plugin through ZoneMTA's real plugin runner
// (@zone-eu/wild-plugins), and builds hook payloads shaped like ZoneMTA's.

const path = require('node:path');
const PluginHandler = require('@zone-eu/wild-plugins');

const integrations = path.resolve(__dirname, '..');

/** A logger with npmlog's signature (prefix, format, ...args). */
function npmlogLike(lines) {
    const util = require('node:util');
    const add = level => (prefix, ...args) => lines.push(`${level} ${prefix} ${util.format(...args)}`);
    return { info: add('info'), warn: add('warn'), error: add('error'), verbose() {}, silly() {} };
}

/** Resolves with the loaded handler; the plugin is integrations/zonemta. */
function loadPlugin(config, { context = 'sender', lines = [] } = {}) {
    const handler = new PluginHandler({
        context,
        pluginsPath: integrations,
        logger: npmlogLike(lines),
        plugins: { zonemta: { enabled: ['main', 'receiver', 'sender'], ...config } }
    });
    return new Promise((resolve, reject) => handler.load(() => {
        if (handler.loaded.length !== 1) {
            return reject(new Error('plugin not loaded:\n' + lines.join('\n')));
        }
        resolve(handler);
    }));
}

/** A delivery object as ZoneMTA's sender hands it to sender:fetch. */
function delivery(id, seq, recipient, submitted, messageId) {
    const headers = { getFirst: name => (name.toLowerCase() === 'message-id' ? messageId : '') };
    return {
        id, seq, recipient, domain: recipient.split('@')[1], from: 'news@shop.example', time: submitted,
        created: new Date(submitted), headers, sendingZone: 'default'
    };
}

/**
 * One message's lifecycle through ZoneMTA: receive (QUEUED), then per
 * recipient one attempt per outcome, in ZoneMTA's order: sender:fetch, then
 * the remotelog entry, then sender:delivered for an accepted one.
 */
async function fireMessage(handler, id, outcomes, opts = {}) {
    const submitted = opts.submitted || Date.now() - 60000;
    const messageId = `<${id}@shop.example>`;
    const rcpts = outcomes.map((o, i) => o.to || `user${i}@${o.domain || 'gmail.com'}`);
    handler.remotelog(id, false, 'QUEUED', {
        'message-id': messageId, from: 'news@shop.example', to: rcpts.join(','), src: '10.1.2.3', body: 2048,
        md5: 'abcdef012345', subject: '"Sale"', interface: 'feeder', transtype: 'ESMTPSA'
    });
    for (let i = 0; i < outcomes.length; i++) {
        const seq = (i + 1).toString(16).padStart(3, '0');
        for (const o of [].concat(outcomes[i].attempts || outcomes[i])) {
            const d = delivery(id, seq, rcpts[i], submitted, messageId);
            await handler.runHooks('sender:fetch', [d]);
            const data = {
                zone: 'default', from: 'news@shop.example', returnPath: 'news@shop.example', to: rcpts[i],
                mx: o.mx || 'gmail-smtp-in.l.google.com', host: '142.250.1.27', ip: o.ip || '192.0.2.10',
                response: o.response, size: 3100, timer: 'timer' in o ? o.timer : 420, start: Date.now() - 500
            };
            if (o.action !== 'ACCEPTED') {
                data.category = o.category;
            }
            if (o.action === 'DEFERRED') {
                data.defcount = 1;
                data.nextattempt = Date.now() + 300000;
            }
            handler.remotelog(id, seq, o.action, data);
            if (o.action === 'ACCEPTED') {
                await handler.runHooks('sender:delivered', [d, { response: o.response }]);
            }
        }
    }
}

module.exports = { loadPlugin, fireMessage, delivery, npmlogLike, integrations };
