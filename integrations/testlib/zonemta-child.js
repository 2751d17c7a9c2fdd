'use strict';

// A ZoneMTA-like process for the crash tests: loads the plugin through the
// real runner with the config in argv[2] (JSON), fires argv[3] log entries,
// prints "spooled N" and waits to be killed (or, with argv[4] = "close",
// runs the close hook and exits).

const { loadPlugin } = require('./zonemta');

(async () => {
    const config = JSON.parse(process.argv[2]);
    const n = Number(process.argv[3]);
    const lines = [];
    const handler = await loadPlugin(config, { lines });
    const prefix = process.argv[5] || 'crash';
    for (let i = 0; i < n; i++) {
        handler.remotelog(`${prefix}${String(i).padStart(6, '0')}`, '001', 'ACCEPTED', {
            zone: 'default', from: 'a@shop.example', to: `r${i}@gmail.com`, mx: 'gmail-smtp-in.l.google.com',
            host: '142.250.1.27', ip: '192.0.2.10', response: '250 2.0.0 OK 1700000000 x', size: 1000, timer: 100
        });
    }
    process.stdout.write(`spooled ${n}\n`);
    if (process.argv[4] === 'close') {
        await handler.runHooks('close', []);
        process.stdout.write(lines.join('\n') + '\nclosed\n');
        process.exit(0);
    }
    setInterval(() => {}, 1000);
})().catch(err => {
    process.stderr.write(err.stack + '\n');
    process.exit(1);
});
