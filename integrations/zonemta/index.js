'use strict';

// TinoMail Monitor plugin for ZoneMTA. Install and configure: README.md.
//
// Every hook spools its event synchronously (write-ahead, microseconds) and
// returns; sending happens in the background (../shipper), so a slow or
// unreachable monitor never slows delivery.

const os = require('node:os');
const { Shipper } = require('../shipper');
const { fromLogEntry, fromDelivery } = require('./map');

module.exports.title = 'TinoMail';

// How many deliveries sender:fetch may remember until their log entry comes.
const MAX_FETCHED = 10000;

module.exports.init = async app => {
    const cfg = app.config || {};
    const context = (app.manager && app.manager.context) || 'zonemta';
    const logger = app.logger;
    const log = {
        info: m => logger.info('TinoMail', '%s', m),
        warn: m => (logger.warn || logger.info).call(logger, 'TinoMail', '%s', m),
        error: m => logger.error('TinoMail', '%s', m)
    };
    const nodeId = cfg.nodeId || os.hostname();
    const shipper = new Shipper({ ...cfg, nodeId }, log, context);
    const fetched = new Map();

    // The submission time and Message-ID of a delivery, for queue latency.
    // Hooks take ZoneMTA's callback and call it at once: the plugin runner
    // waits for it before the next plugin (and, for sender:fetch, delivery).
    app.addHook('sender:fetch', (delivery, next) => {
        if (delivery && delivery.id) {
            if (fetched.size >= MAX_FETCHED) {
                fetched.delete(fetched.keys().next().value);
            }
            fetched.set(`${delivery.id}.${delivery.seq}`, fromDelivery(delivery));
        }
        done(next);
    });

    app.addHook('log:entry', (entry, next) => {
        try {
            // an attempt's entry ends what its fetch saw; a deferred delivery
            // is fetched again before its next attempt
            const key = entry && entry.seq && `${entry.id}.${entry.seq}`;
            const seen = key ? fetched.get(key) : undefined;
            if (seen) {
                fetched.delete(key);
            }
            for (const ev of fromLogEntry(entry, nodeId, Date.now(), seen)) {
                shipper.push(ev);
            }
        } catch (err) {
            log.error(`cannot map log entry ${entry && entry.id}: ${err.message}`);
        }
        done(next);
    });

    app.addHook('close', async () => {
        await shipper.close(Number(cfg.closeTimeout) || 5000);
        module.exports.shippers.delete(shipper);
    });

    module.exports.shippers.add(shipper);
};

// The shippers of this process, for their stats() (operators, tests).
module.exports.shippers = new Set();

function done(next) {
    if (typeof next === 'function') {
        next();
    }
}
