'use strict';

// TinoMail Monitor plugin for Haraka. Install and configure: README.md.
//
// Haraka loads this folder as a package plugin: the functions exported here
// become the plugin's methods (this = the plugin). Hooks spool their events
// synchronously and call next() at once; ../shipper sends in the background.

const os = require('node:os');
const path = require('node:path');
const { Shipper } = require('../shipper');
const map = require('./map');

exports.register = function () {
    const ini = this.config.get('tinomail.ini', { booleans: [] }, () => this.restartNotice()) || {};
    const main = ini.main || {};
    const plugin = this;
    const log = {
        info: m => plugin.loginfo(m),
        warn: m => plugin.logwarn(m),
        error: m => plugin.logerror(m)
    };
    this.nodeId = main.nodeId || os.hostname();
    const spoolDir = main.spoolDir || path.join(process.env.HARAKA || process.cwd(), 'tinomail-spool');
    this.shipper = new Shipper({ ...main, spoolDir, nodeId: this.nodeId }, log, 'haraka');
    this.register_hook('queue_ok', 'tinomail_received');
    this.register_hook('deny', 'tinomail_denied');
    this.register_hook('delivered', 'tinomail_delivered');
    this.register_hook('deferred', 'tinomail_deferred');
    this.register_hook('bounce', 'tinomail_bounced');
};

exports.restartNotice = function () {
    this.logwarn('tinomail.ini changed; restart Haraka to apply it');
};

exports.emit = function (events) {
    for (const ev of events) {
        this.shipper.push(ev);
    }
};

exports.safely = function (fn) {
    try {
        this.emit(fn());
    } catch (err) {
        this.logerror(`cannot map event: ${err.message}`);
    }
};

exports.tinomail_received = function (next, connection) {
    this.safely(() => map.received(connection, this.nodeId, Date.now()));
    next();
};

exports.tinomail_denied = function (next, connection, params) {
    // the deny hook also runs for outbound items (hmail), which have no remote
    if (connection && connection.remote) {
        this.safely(() => map.denied(connection, params, this.nodeId, Date.now()));
    }
    next();
};

exports.tinomail_delivered = function (next, hmail, params) {
    this.safely(() => map.delivered(hmail, params, this.nodeId, Date.now()));
    next();
};

exports.tinomail_deferred = function (next, hmail, params) {
    this.safely(() => map.deferred(hmail, params, this.nodeId, Date.now()));
    next();
};

exports.tinomail_bounced = function (next, hmail, error) {
    this.safely(() => map.bounced(hmail, error, this.nodeId, Date.now()));
    next();
};

exports.shutdown = function () {
    if (this.shipper) {
        this.shipper.close(5000);
    }
};
