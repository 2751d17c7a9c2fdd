// Browser tests of the dashboard against the real binary: known events go
// in through the ingest API, and each page must show exactly them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { authAvailable, chartSeries, launch, login, screenshotPath, startServer } from './harness.mjs';

const ago = (min) => new Date(Date.now() - min * 60_000).toISOString();
const TRACE_ID = '<trace-1@e2e.example>';

function outbound(type, o) {
  return {
    direction: 'outbound',
    eventType: type,
    time: ago(o.ago ?? 10),
    fromAddress: 'news@shop.example',
    toAddress: `user${o.n ?? 0}@${o.dom ?? 'gmail.com'}`,
    mtaNode: o.node ?? 'mta-01',
    sendingIp: o.ip ?? '192.0.2.10',
    mxHost: 'mx.' + (o.dom ?? 'gmail.com'),
    ...o.extra,
  };
}

// The dataset. Within the last hour: 5 delivered, 3 deferred, 2 bounced,
// 1 rejected outbound; 4 received, 1 rejected, 1 greylisted inbound.
// Three hours ago: 1 more delivered.
const DELIVERY_MS = [1000, 2000, 2000, 4000, 20000];
const DELIVERED = DELIVERY_MS.map((ms, i) =>
  outbound('delivered', {
    n: i,
    ago: i === 0 ? 5 : 10 + i,
    dom: i < 3 ? 'gmail.com' : 'yahoo.com',
    node: i === 2 || i === 3 ? 'mta-02' : 'mta-01',
    extra: {
      deliveryTimeMs: ms,
      messageSize: (i + 1) * 10_000,
      statusCode: 250,
      statusMessage: '250 2.0.0 OK',
      ...(i === 0 ? { messageId: TRACE_ID, queueId: 'Q-TRACE' } : { messageId: `<d${i}@e2e.example>` }),
    },
  }),
);
const DEFERRED = [
  outbound('deferred', { n: 0, ago: 20, extra: { messageId: TRACE_ID, queueId: 'Q-TRACE', statusCode: 421, statusMessage: '421 4.7.0 Try again later', bounceCategory: 'rate_limited', bounceType: 'soft' } }),
  outbound('deferred', { n: 0, ago: 15, extra: { messageId: TRACE_ID, queueId: 'Q-TRACE', statusCode: 421, statusMessage: '421 4.7.0 Try again later (2)', bounceCategory: 'rate_limited', bounceType: 'soft' } }),
  outbound('deferred', { n: 9, ago: 14, dom: 'yahoo.com', node: 'mta-02', extra: { statusCode: 421, statusMessage: '421 4.7.0 [TS01] Messages from 192.0.2.10 temporarily deferred', bounceCategory: 'rate_limited', bounceType: 'soft' } }),
];
const BOUNCED = [7, 8].map((n) =>
  outbound('bounced', { n, ago: 13, dom: 'yahoo.com', extra: { statusCode: 550, statusMessage: '550 5.1.1 user unknown', bounceCategory: 'invalid_recipient', bounceType: 'hard' } }),
);
const REJECTED_OUT = [outbound('rejected', { n: 6, ago: 12, ip: '192.0.2.11', extra: { statusCode: 554, statusMessage: '554 5.7.1 blocked using zen.spamhaus.org', bounceCategory: 'blocklisted', bounceType: 'hard' } })];
const inbound = (type, i, extra) => ({
  direction: 'inbound',
  eventType: type,
  time: ago(10 + i),
  fromAddress: `sender${i}@example.org`,
  toAddress: 'sales@shop.example',
  mtaNode: 'mx-01',
  spfResult: 'pass',
  ...extra,
});
const INBOUND = [
  ...[0, 1, 2, 3].map((i) => inbound('received', i, { statusCode: 250, messageSize: 5000 })),
  inbound('rejected', 4, { statusCode: 550, statusMessage: '550 5.7.1 spam', spamAction: 'reject', bounceCategory: 'spam_content', bounceType: 'hard' }),
  inbound('deferred', 5, { statusCode: 451, statusMessage: '451 4.7.1 Greylisted, try again', spamAction: 'greylist', bounceCategory: 'greylisted', bounceType: 'soft' }),
];
const OLD = [outbound('delivered', { n: 20, ago: 180, extra: { deliveryTimeMs: 1000 } })];

let server;
let browser;
let page;

async function open(path) {
  await page.goto(server.url + path);
  await page.waitForSelector('main .page');
}

/** settled waits until no panel of the page is loading. */
async function settled() {
  await page.waitForFunction(() => document.querySelectorAll('[data-state="loading"]').length === 0 && document.querySelector('main .page'));
}

async function counter(name) {
  return Number(await page.getAttribute(`[data-counter="${name}"] .countup`, 'data-value'));
}

async function waitChart(label) {
  await page.waitForFunction((l) => {
    const el = document.querySelector(`[data-chart="${l}"]`);
    return el && window.__echarts?.getInstanceByDom(el);
  }, label);
  return chartSeries(page, label);
}

const sum = (a) => a.reduce((x, y) => x + (Array.isArray(y) ? y[1] : y ?? 0), 0);

describe('dashboard', () => {
  before(async () => {
    server = await startServer();
    await server.ingest([...DELIVERED, ...DEFERRED, ...BOUNCED, ...REJECTED_OUT, ...INBOUND, ...OLD]);
    await server.waitFor('the events stored', async () => (await server.api('/email/stats?range=6h')).totals.total === 18);
    browser = await launch({ width: 1280, height: 900 });
    page = await browser.context.newPage();
    page.on('pageerror', (e) => console.error('pageerror:', e.message));
    await login(server, browser.context, page, { role: 'admin' });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('Email Flow shows the counters and charts of the ingested events', async () => {
    await open('/email-flow?range=1h');
    await settled();
    const want = {
      'outbound.sent': 0,
      'outbound.delivered': 5,
      'outbound.bounced': 2,
      'outbound.deferred': 3,
      'outbound.rejected': 1,
      'inbound.received': 4,
      'inbound.delivered': 0,
      'inbound.rejected': 1,
      'inbound.greylisted': 1,
    };
    for (const [k, v] of Object.entries(want)) assert.equal(await counter(k), v, k);

    const out = await waitChart('Outbound throughput');
    assert.deepEqual(out.series.map((s) => s.name), ['delivered', 'deferred', 'bounced', 'rejected']);
    assert.deepEqual(out.series.map((s) => sum(s.data)), [5, 3, 2, 1]);
    assert.ok(out.series.every((s) => s.type === 'line'));

    const inb = await waitChart('Inbound throughput');
    assert.deepEqual(inb.series.map((s) => [s.name, sum(s.data)]), [['received', 4], ['delivered', 0], ['greylisted', 1], ['rejected', 1]]);

    const nodes = await waitChart('Outbound by MTA node');
    const byNode = Object.fromEntries(nodes.series.map((s) => [s.name, sum(s.data)]));
    assert.deepEqual(byNode, { 'mta-01': 8, 'mta-02': 3 });
  });

  test('live counters change within a second of an ingest', async () => {
    await open('/email-flow?range=1h');
    await settled();
    await page.waitForSelector('[data-live="open"]');
    const before = await counter('outbound.delivered');
    const live = [1, 2, 3].map((n) => outbound('delivered', { n: 30 + n, ago: 0, node: 'mta-02' }));
    const t0 = Date.now();
    await server.ingest(live);
    await page.waitForFunction((b) => Number(document.querySelector('[data-counter="outbound.delivered"] .countup')?.getAttribute('data-value')) === b + 3, before, { timeout: 1000 });
    const took = Date.now() - t0;
    assert.ok(took <= 1000, `counter changed after ${took} ms`);
    // The sparkline counts the same events in its last seconds.
    await page.waitForFunction(() => {
      const el = document.querySelector('[data-chart="emails per second"]');
      const s = window.__echarts.getInstanceByDom(el).getOption().series[0].data;
      return s.reduce((a, p) => a + p[1], 0) >= 3;
    }, undefined, { timeout: 3000 });
  });

  test('time range change updates the URL and the data', async () => {
    await open('/email-flow?range=1h');
    await settled();
    assert.equal(await counter('outbound.delivered'), 8);
    await page.click('button[data-range="6h"]');
    await page.waitForURL((u) => u.searchParams.get('range') === '6h');
    await page.waitForFunction(() => document.querySelector('[data-counter="outbound.delivered"] .countup')?.getAttribute('data-value') === '9');
    assert.equal(await page.getAttribute('button[data-range="6h"]', 'aria-pressed'), 'true');
    // The range travels with navigation.
    await page.click('nav >> text=Performance');
    await page.waitForURL((u) => u.pathname === '/email-flow/performance' && u.searchParams.get('range') === '6h');
    // A custom window in the past excludes the last hour: only the old event.
    await open('/email-flow');
    await page.click('button[data-range="custom"]');
    const local = (min) => {
      const d = new Date(Date.now() - min * 60_000);
      const p = (n) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
    };
    await page.fill('.range-custom input >> nth=0', local(240));
    await page.fill('.range-custom input >> nth=1', local(120));
    await page.click('.range-custom button[type=submit]');
    await page.waitForURL((u) => u.searchParams.has('from') && u.searchParams.has('to') && !u.searchParams.has('range'));
    await page.waitForFunction(() => document.querySelector('[data-counter="outbound.delivered"] .countup')?.getAttribute('data-value') === '1');
    assert.equal(await counter('outbound.bounced'), 0);
  });

  test('panels without data show their empty state', async () => {
    const from = new Date(Date.now() - 3 * 86400_000).toISOString();
    const to = new Date(Date.now() - 2 * 86400_000).toISOString();
    for (const path of ['/bounces', '/email-flow/performance']) {
      await open(`${path}?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
      await settled();
      const states = await page.$$eval('[data-panel]', (ps) => ps.map((p) => [p.getAttribute('data-panel'), p.getAttribute('data-state')]));
      assert.ok(states.length >= 4, path);
      for (const [panel, state] of states) assert.equal(state, 'empty', `${path} ${panel}`);
    }
  });

  test('Performance shows the delivery-time gauges, histogram, table and trend', async () => {
    await open('/email-flow/performance?range=1h');
    await settled();
    const api = await server.api('/email/delivery-time?range=1h');
    assert.equal(api.count, 5);
    assert.equal(api.avgMs, 5800); // (1000+2000+2000+4000+20000)/5: a true average
    const gauge = async (name) => Number(await page.getAttribute(`[data-gauge="${name}"]`, 'data-ms'));
    assert.equal(await gauge('Average'), 5800);
    assert.equal(await gauge('P95'), api.p95Ms);
    assert.equal(await gauge('P99'), api.p99Ms);
    assert.equal(await page.getAttribute('[data-gauge="Average"]', 'data-level'), 'warn'); // 3 s ≤ 5.8 s < 10 s
    const avgChart = await waitChart('Average delivery time');
    assert.equal(avgChart.series[0].data[0].value, 5800);

    const hist = await waitChart('Delivery-time distribution');
    const counts = Object.fromEntries(hist.xAxis.map((l, i) => [l, hist.series[0].data[i]]));
    assert.equal(sum(hist.series[0].data), 5);
    assert.deepEqual(counts, Object.fromEntries(api.distribution.map((s) => [s.label, s.count])));
    assert.equal(counts['<1s'], 0);

    const rows = await page.$$eval('[data-table="domains"] tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
    assert.deepEqual(rows.map((r) => [r[0], r[1]]), [['gmail.com', '3'], ['yahoo.com', '2']]);
    await page.click('[data-table="domains"] th >> text=Average');
    await page.waitForFunction(() => document.querySelector('[data-table="domains"] tbody tr td')?.textContent === 'yahoo.com'); // 12 s vs 1.67 s
    const trend = await waitChart('Delivery-time trend');
    assert.deepEqual(trend.series.map((s) => s.name), ['average', 'P95']);
    assert.deepEqual(trend.series[0].data, api.trend.map((p) => p.avgMs));
    assert.equal(trend.series[0].data.filter((v) => v != null).length > 0, true);

    // The node filter is in the URL and narrows the data.
    await page.fill('input[name=node]', 'mta-02');
    await page.press('input[name=node]', 'Enter');
    await page.waitForURL((u) => u.searchParams.get('node') === 'mta-02');
    await page.waitForFunction(() => document.querySelector('[data-gauge="Average"]')?.getAttribute('data-ms') === '3000'); // 2000 and 4000
  });

  test('Bounces shows the failure breakdowns and message sizes', async () => {
    await open('/bounces?range=1h');
    await settled();
    const types = await page.$$eval('[data-table="bounce-types"] tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
    // 2 bounced, 3+1 deferred (1 inbound greylisted), 1+1 rejected: 8 failures.
    assert.deepEqual(types.slice(0, 3), [['bounced', '2', '25%'], ['deferred', '4', '50%'], ['rejected', '2', '25%']]);
    const pie = await waitChart('Failures by type');
    assert.deepEqual(pie.series[0].data.map((d) => [d.name, d.value]), [['bounced', 2], ['deferred', 4], ['rejected', 2]]);
    const cats = await waitChart('Failure categories');
    const catRows = await page.$$eval('[data-table="bounce-categories"] tbody tr', (trs) => trs.map((tr) => [tr.cells[0].textContent, tr.cells[1].textContent]));
    assert.deepEqual(Object.fromEntries(catRows), { rate_limited: '3', invalid_recipient: '2', blocklisted: '1', spam_content: '1', greylisted: '1' });
    assert.equal(sum(cats.series[0].data), 8);
    const doms = await page.$$eval('[data-table="failures-to_domain"] tbody tr', (trs) => trs.map((tr) => [tr.cells[0].textContent, tr.cells[2].textContent]));
    assert.deepEqual(doms[0], ['yahoo.com', '2']);
    const ips = await page.$$eval('[data-table="failures-sending_ip"] tbody tr', (trs) => trs.map((tr) => tr.cells[0].textContent));
    assert.deepEqual(ips.sort(), ['192.0.2.10', '192.0.2.11']);
    const size = await page.textContent('[data-kpi="message-size"]');
    const ms = await server.api('/email/message-size?range=1h');
    assert.match(size, new RegExp(`^${ms.count} messages`));
    const hist = await waitChart('Message-size histogram');
    assert.equal(sum(hist.series[0].data), ms.count);
  });

  test('Logs searches with filters, pages, exports, and links to the trace', async () => {
    await open('/logs?range=1h');
    await settled();
    const all = await page.$$eval('[data-table="events"] tbody tr', (trs) => trs.length);
    assert.equal(all, 5 + 3 + 3 + 2 + 1 + 6);
    await page.check('input[name=eventType][value=bounced]');
    await page.fill('input[name=toDomain]', 'yahoo.com');
    await page.click('.log-filters button[type=submit]');
    await page.waitForURL((u) => u.searchParams.get('eventType') === 'bounced' && u.searchParams.get('toDomain') === 'yahoo.com');
    await page.waitForFunction(() => document.querySelectorAll('[data-table="events"] tbody tr').length === 2);
    const href = await page.getAttribute('a[data-export="csv"]', 'href');
    const u = new URL(href, server.url);
    assert.equal(u.pathname, '/api/v1/email/events/export');
    assert.deepEqual(Object.fromEntries(u.searchParams), { range: '1h', eventType: 'bounced', toDomain: 'yahoo.com', format: 'csv' });

    // Paging: 20 events, 8 per page.
    await open('/logs?range=1h&limit=8');
    await settled();
    const pageRows = () => page.$$eval('[data-table="events"] tbody tr', (trs) => trs.map((tr) => tr.dataset.eventId));
    const p1 = await pageRows();
    assert.equal(p1.length, 8);
    await page.click('.pager button >> text=Older');
    await page.waitForSelector('[data-page="2"]');
    await page.waitForFunction((first) => document.querySelector('[data-table="events"] tbody tr')?.dataset.eventId !== first, p1[0]);
    const p2 = await pageRows();
    await page.click('.pager button >> text=Older');
    await page.waitForSelector('[data-page="3"]');
    await page.waitForFunction(() => document.querySelectorAll('[data-table="events"] tbody tr').length === 4);
    const p3 = await pageRows();
    assert.equal(new Set([...p1, ...p2, ...p3]).size, 20);
    assert.ok(Number(p1[7]) > Number(p2[0]), 'newest first across pages');
    assert.equal(await page.isDisabled('.pager button >> text=Older'), true);
    await page.click('.pager button >> text=Newer');
    await page.waitForSelector('[data-page="2"]');
    await open('/logs?range=1h&limit=50');
    await settled();
    await page.click(`a[href="/logs/trace/${encodeURIComponent(TRACE_ID)}"] >> nth=0`);
    await page.waitForURL((u) => u.pathname === '/logs/trace/' + encodeURIComponent(TRACE_ID));
    await page.waitForSelector('[data-panel="trace-timeline"]');
    const steps = await page.$$eval('.timeline li', (lis) => lis.map((li) => li.dataset.eventType));
    assert.deepEqual(steps, ['deferred', 'deferred', 'delivered']);
    assert.equal(await page.getAttribute('.summary', 'data-final'), 'delivered');
    assert.equal(await page.textContent('[data-attempts]'), '2');
    assert.match(await page.textContent('.timeline'), /421 4\.7\.0 Try again later \(2\)/);
  });

  test('Queue page shows the queue endpoint or says it is missing', async () => {
    await open('/email-flow/queue');
    await settled();
    const r = await fetch(server.url + '/api/v1/email/queue', { headers: { Authorization: 'Bearer ' + server.readKey } });
    if (r.status === 404) {
      // /email/queue is built in another branch; until then every panel shows the error state.
      const states = await page.$$eval('[data-panel]', (ps) => ps.map((p) => p.getAttribute('data-state')));
      assert.ok(states.length >= 5 && states.every((s) => s === 'error'), String(states));
    } else {
      assert.equal(r.status, 200);
      const body = await r.json();
      const total = await page.textContent('[data-queue="total"] strong');
      const want = (body.total?.active ?? 0) + (body.total?.deferred ?? 0);
      assert.equal(Number(total.replace(/,/g, '')), want);
    }
  });

  test('panels refresh on their interval, and not while the tab is hidden', async () => {
    const v = await launch();
    try {
      const vp = await v.context.newPage();
      await login(server, v.context, vp, { role: 'admin' });
      await vp.clock.install();
      let n = 0;
      vp.on('request', (r) => {
        if (new URL(r.url()).pathname === '/api/v1/email/queue') n++;
      });
      await vp.goto(server.url + '/email-flow/queue');
      await vp.waitForFunction(() => document.querySelectorAll('[data-state="loading"]').length === 0);
      const first = n;
      assert.ok(first >= 1);
      await vp.clock.runFor(10_500); // the queue refreshes every 10 s
      await vp.waitForTimeout(300);
      assert.equal(n, first + 1, 'one refetch after 10 s');
      const setHidden = (hidden) =>
        vp.evaluate((h) => {
          Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (h ? 'hidden' : 'visible') });
          Object.defineProperty(document, 'hidden', { configurable: true, get: () => h });
          document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
        }, hidden);
      await setHidden(true);
      await vp.clock.runFor(60_000);
      await vp.waitForTimeout(300);
      assert.equal(n, first + 1, 'no refetch while hidden');
      await setHidden(false); // back on screen: stale data is fetched at once
      await vp.waitForTimeout(500);
      assert.equal(n, first + 2);
    } finally {
      await v.close();
    }
  });

  test('keyboard: skip link and sidebar work without a mouse', async () => {
    await open('/email-flow?range=1h');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Performance');
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.pathname === '/email-flow/performance');
  });

  test('Admin is shown to admins only', async () => {
    if (!(await authAvailable(server))) {
      // Before the auth branch is merged the test session is the read key,
      // a viewer: no Admin link and no Admin page.
      await open('/email-flow');
      assert.equal(await page.$('nav >> text=Admin'), null);
      await page.goto(server.url + '/admin');
      await page.waitForSelector('text=Admin is for administrators.');
      return;
    }
    await open('/admin');
    await settled();
    const users = await page.$$eval('[data-table="users"] tbody tr td:first-child', (tds) => tds.map((t) => t.textContent));
    assert.ok(users.includes('e2e-admin'));
    // A viewer does not see it.
    const v = await launch();
    try {
      const vp = await v.context.newPage();
      await login(server, v.context, vp, { role: 'viewer' });
      await vp.goto(server.url + '/email-flow');
      await vp.waitForSelector('nav');
      assert.equal(await vp.$('nav >> text=Admin'), null);
      await vp.goto(server.url + '/admin');
      await vp.waitForSelector('text=Admin is for administrators.');
      const r = await vp.evaluate(async () => (await fetch('/api/v1/admin/users')).status);
      assert.equal(r, 403);
    } finally {
      await v.close();
    }
  });

  test('screenshots of every page in light and dark', async () => {
    const pages = [
      ['email-flow', '/email-flow?range=1h'],
      ['performance', '/email-flow/performance?range=1h'],
      ['queue', '/email-flow/queue'],
      ['bounces', '/bounces?range=1h'],
      ['logs', '/logs?range=1h'],
      ['trace', '/logs/trace/' + encodeURIComponent(TRACE_ID)],
      ['admin', '/admin'],
    ];
    for (const theme of ['light', 'dark']) {
      await page.goto(server.url + '/email-flow');
      await page.evaluate((t) => localStorage.setItem('tinomail.theme', t), theme);
      for (const [name, path] of pages) {
        await open(path);
        await settled();
        assert.equal(await page.getAttribute('html', 'data-theme'), theme);
        await page.waitForTimeout(400); // chart animations
        await page.screenshot({ path: screenshotPath(`${name}-${theme}-1280`), fullPage: true });
      }
    }
    // The wall-screen width.
    await page.setViewportSize({ width: 1920, height: 1080 });
    await open('/email-flow?range=1h');
    await settled();
    await page.waitForTimeout(400);
    await page.screenshot({ path: screenshotPath('email-flow-dark-1920') });
    // The theme toggle switches and remembers.
    await page.click('.theme-toggle');
    assert.equal(await page.getAttribute('html', 'data-theme'), 'light');
    assert.equal(await page.evaluate(() => localStorage.getItem('tinomail.theme')), 'light');
    // The login page.
    const anon = await launch();
    try {
      const ap = await anon.context.newPage();
      if (!(await authAvailable(server))) {
        // Before the auth merge /auth/me does not exist; answer it as a server without a session would.
        await anon.context.route('**/api/v1/auth/me', (r) => r.fulfill({ status: 401, contentType: 'application/json', body: '{"error":{"code":"unauthorized","message":"log in"}}' }));
      }
      await ap.goto(server.url + '/email-flow');
      await ap.waitForSelector('form[aria-label="Log in"]');
      assert.equal(new URL(ap.url()).pathname, '/login');
      await ap.screenshot({ path: screenshotPath('login-light-1280') });
    } finally {
      await anon.close();
    }
  });
});
