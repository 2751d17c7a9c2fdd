// Test-only Haraka plugin (loaded as a plain plugin, in Haraka's sandbox):
// decides by recipient and content what a real deployment's plugins would,
// so the TinoMail plugin sees accepted, rejected and greylisted mail.
//   reject@...   550 at RCPT
//   greylist@... 451 4.7.1 Greylisted at RCPT (as haraka-plugin-greylist answers)
//   a body with SPAM-TEST: rejected at DATA with an rspamd verdict
// Accepted mail gets SPF/DKIM/DMARC/rspamd results like those plugins add.

const DSN = require('haraka-dsn')

exports.register = function () {
    this.register_hook('rcpt', 'rcpt')
    this.register_hook('data_post', 'verdicts')
    this.register_hook('queue', 'queue')
}

exports.rcpt = function (next, connection, params) {
    const to = typeof params[0].address === 'function' ? params[0].address() : params[0].address
    if (to.startsWith('reject@')) return next(DENY, DSN.no_such_user())
    if (to.startsWith('greylist@')) return next(DENYSOFT, DSN.sec_unauthorized('Greylisted, please try again later', 451))
    next(OK)
}

exports.verdicts = function (next, connection) {
    const txn = connection.transaction
    txn.results.add({ name: 'spf' }, { scope: 'mfrom', result: 'Pass', domain: 'sender.example' })
    txn.results.add({ name: 'dkim' }, { pass: 'sender.example' })
    txn.results.add({ name: 'dmarc' }, { result: 'pass' })
    const spam = /SPAM-TEST/.test(txn.body ? txn.body.bodytext : '') || txn.header.get('Subject').includes('SPAM-TEST')
    txn.results.add({ name: 'rspamd' }, spam ? { score: 17.5, action: 'reject' } : { score: -0.4, action: 'no action' })
    if (spam) return next(DENY, 'Message rejected as spam')
    next()
}

exports.queue = function (next) {
    next(OK, 'Queued')
}
