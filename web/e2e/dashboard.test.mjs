// Browser tests of the dashboard against the real binary: known events go
// in through the ingest API, and each page must show exactly them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chartSeries, launch, login, screenshotPath, startServer } from './harness.mjs';
import { startFakeZoneMTA } from './fakezonemta.mjs';

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
    await login(server, page, { role: 'admin' });
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
      'inbound.deferred': 1,
      'inbound.greylisted': 1,
    };
    for (const [k, v] of Object.entries(want)) assert.equal(await counter(k), v, k);

    const out = await waitChart('Outbound throughput');
    assert.deepEqual(out.series.map((s) => s.name), ['delivered', 'deferred', 'bounced', 'rejected']);
    assert.deepEqual(out.series.map((s) => sum(s.data)), [5, 3, 2, 1]);
    assert.ok(out.series.every((s) => s.type === 'line'));

    // Inbound comes from /email/inbound: greylisted (spamAction greylist) is a line over the stack.
    const inb = await waitChart('Inbound throughput');
    assert.deepEqual(inb.series.map((s) => [s.name, sum(s.data)]), [['received', 4], ['delivered', 0], ['deferred', 1], ['rejected', 1], ['greylisted', 1]]);
    assert.deepEqual(inb.series.map((s) => s.stack ?? null), ['total', 'total', 'total', 'total', null]);
    assert.equal(await page.getAttribute('[data-check="spf"]', 'data-pass-rate'), '100'); // all six reported pass
    assert.equal(await page.getAttribute('[data-check="dkim"]', 'data-pass-rate'), ''); // none reported
    assert.match(await page.textContent('[data-spam-action="greylist"]'), /greylist 1$/);

    const nodes = await waitChart('Outbound by MTA node');
    const byNode = Object.fromEntries(nodes.series.map((s) => [s.name, sum(s.data)]));
    assert.deepEqual(byNode, { 'mta-01': 8, 'mta-02': 3 });
  });

  test('Email Flow shows every source: the nodes and the ingest key with their counts', async () => {
    // The answer the page got: its rate and "ago" are of its own asOf.
    const answer = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/sources');
    await open('/email-flow?range=1h');
    const shown = await (await answer).json();
    await page.waitForSelector('[data-panel="sources"][data-state="ready"]');
    // Every event so far: mta-01 3 delivered, 2 deferred, 2 bounced, 1 rejected and
    // the old one; mta-02 2 delivered, 1 deferred; mx-01 6 inbound. All 18 through the
    // harness's ingest key, none refused, all just now: none silent.
    const want = { 'mta-01': 9, 'mta-02': 3, 'mx-01': 6 };
    const api = await server.api('/sources');
    for (const body of [api, shown]) {
      assert.deepEqual(Object.fromEntries(body.nodes.map((n) => [n.name, n.events.total])), want);
      assert.deepEqual(body.keys.map((k) => [k.name, k.events.total, k.rejected.total, k.status]), [['web-e2e-ingest', 18, 0, 'reporting']]);
    }
    assert.deepEqual([api.silent, api.silentAfterSeconds], [{ nodes: 0, keys: 0 }, 900]);

    const rows = (kind) =>
      page.$$eval(`[data-table="sources-${kind}"] tbody tr`, (trs) =>
        trs.map((tr) => ({ source: tr.dataset.source, silent: tr.dataset.silent, status: tr.dataset.status, cells: [...tr.cells].map((c) => c.textContent) })),
      );
    // Nodes: name, last seen, last event, events/min, events (24 h), refused (24 h), status.
    const nodes = await rows('nodes');
    assert.deepEqual(
      nodes.map((r) => [r.source, r.silent, r.status, r.cells[0], r.cells[4], r.cells[5], r.cells[6]]),
      [
        ['mta-01', 'false', 'reporting', 'mta-01', '9', '0', 'reporting'],
        ['mta-02', 'false', 'reporting', 'mta-02', '3', '0', 'reporting'],
        ['mx-01', 'false', 'reporting', 'mx-01', '6', '0', 'reporting'],
      ],
    );
    for (const [i, n] of shown.nodes.entries()) {
      assert.equal(nodes[i].cells[3], String(n.eventsPerMinute), n.name);
      assert.ok(n.eventsPerMinute > 0, n.name);
      assert.match(nodes[i].cells[1], /^\d.* ago$/, n.name);
    }
    // mta-01's newest event is the delivery of 5 minutes ago, shown in local time.
    const local = (iso) => {
      const d = new Date(iso);
      const p = (n) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
    };
    assert.equal(Date.parse(api.nodes[0].lastEventTime), Date.parse(DELIVERED[0].time));
    assert.equal(nodes[0].cells[2], local(DELIVERED[0].time));
    // Keys: name, prefix, then the same columns.
    const keys = await rows('keys');
    assert.deepEqual(keys.map((r) => [r.source, r.silent, r.cells[0], r.cells[5], r.cells[6], r.cells[7]]), [['web-e2e-ingest', 'false', 'web-e2e-ingest', '18', '0', 'reporting']]);
    assert.equal(keys[0].cells[1], api.keys[0].keyPrefix);
    assert.ok(server.ingestKey.startsWith(api.keys[0].keyPrefix));
    assert.equal(await page.$('[data-silent-count]'), null);
  });

  test('Sources marks a node that stopped sending as silent, with its refused events', async () => {
    const quiet = await startServer({ args: ['--silent-after', '1s'] });
    const v = await launch();
    try {
      // One stored and one refused event (an unknown type) from mta-quiet, then nothing.
      const ev = outbound('delivered', { n: 1, ago: 2, node: 'mta-quiet' });
      const r = await fetch(quiet.url + '/api/v1/events/ingest', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'x-api-key': quiet.ingestKey },
        body: JSON.stringify([ev, { ...ev, eventType: 'exploded' }]),
      });
      assert.deepEqual([r.status, (await r.json()).rejected], [202, 1]);
      // Refusals are written every 5 s; silence is 1 s after the last stored event.
      const api = await quiet.waitFor(
        'mta-quiet silent with its refusal counted',
        async () => {
          const b = await quiet.api('/sources');
          const n = b.nodes.find((x) => x.name === 'mta-quiet');
          return n?.silent && n.rejected.total === 1 ? b : null;
        },
        20_000,
      );
      assert.deepEqual(api.nodes.map((n) => [n.name, n.events.total, n.rejected.total, n.status]), [['mta-quiet', 1, 1, 'silent']]);
      assert.deepEqual(api.silent, { nodes: 1, keys: 1 });

      const vp = await v.context.newPage();
      vp.on('pageerror', (e) => console.error('pageerror:', e.message));
      await login(quiet, vp, { role: 'viewer' });
      await vp.goto(quiet.url + '/email-flow');
      await vp.waitForSelector('[data-panel="sources"][data-state="ready"]');
      const row = (sel) => vp.$eval(sel, (tr) => ({ silent: tr.dataset.silent, status: tr.dataset.status, cells: [...tr.cells].map((c) => c.textContent) }));
      const node = await row('[data-table="sources-nodes"] tr[data-source="mta-quiet"]');
      assert.deepEqual([node.silent, node.status, node.cells[4], node.cells[5]], ['true', 'silent', '1', '1']);
      assert.match(node.cells[6], /^silent for \d/);
      const key = await row('[data-table="sources-keys"] tr[data-source="web-e2e-ingest"]');
      assert.deepEqual([key.silent, key.status, key.cells[5], key.cells[6]], ['true', 'silent', '1', '1']);
      assert.equal(await vp.getAttribute('[data-silent-count]', 'data-silent-count'), '2');
      await vp.screenshot({ path: screenshotPath('sources-silent-light-1280'), fullPage: true });
    } finally {
      await v.close();
      await quiet.stop();
    }
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

    // The API narrows by one filter at a time: a sender domain replaces the node.
    await page.fill('input[name=fromDomain]', 'shop.example');
    await page.press('input[name=fromDomain]', 'Enter');
    await page.waitForURL((u) => u.searchParams.get('fromDomain') === 'shop.example' && !u.searchParams.has('node'));
    await page.waitForFunction(() => document.querySelector('[data-gauge="Average"]')?.getAttribute('data-ms') === '5800'); // all five
    assert.match(await page.textContent('[data-panel="gauges"]'), /5 deliveries from shop\.example/);
    await page.fill('input[name=fromDomain]', 'elsewhere.example');
    await page.press('input[name=fromDomain]', 'Enter');
    await page.waitForFunction(() => document.querySelector('[data-panel="gauges"]')?.getAttribute('data-state') === 'empty');
  });

  test('Performance groups the destinations by mailbox provider, kept in the URL', async () => {
    await open('/email-flow/performance?range=1h');
    await settled();
    const rows = () => page.$$eval('[data-table="domains"] tbody tr', (trs) => trs.map((tr) => [...tr.cells].slice(0, 3).map((c) => c.textContent)));
    const firstHeader = () => page.textContent('[data-table="domains"] thead th >> nth=0');
    assert.deepEqual(await rows(), [['gmail.com', '3', '1.67 s'], ['yahoo.com', '2', '12 s']]);
    assert.equal(await firstHeader(), 'Destination');
    assert.equal(await page.getAttribute('button[data-by="domain"]', 'aria-pressed'), 'true');
    await page.click('button[data-by="provider"]');
    await page.waitForURL((u) => u.searchParams.get('by') === 'provider' && u.searchParams.get('range') === '1h');
    await page.waitForFunction(() => document.querySelector('[data-table="domains"] tbody tr td')?.textContent === 'google');
    // gmail.com is google and yahoo.com yahoo (internal/provider): the same deliveries and averages.
    assert.deepEqual(await rows(), [['google', '3', '1.67 s'], ['yahoo', '2', '12 s']]);
    assert.equal(await firstHeader(), 'Provider');
    assert.equal(await page.getAttribute('button[data-by="provider"]', 'aria-pressed'), 'true');
    const api = await server.api('/email/delivery-time?range=1h&by=provider');
    assert.equal(api.domains.by, 'provider');
    assert.deepEqual(api.domains.rows.map((r) => [r.domain, r.count]), [['google', 3], ['yahoo', 2]]);
    assert.equal(await page.getAttribute('[data-pager]', 'data-pager'), '1-2/2');
    // The address alone gives the providers.
    await open('/email-flow/performance?range=1h&by=provider');
    await settled();
    assert.deepEqual(await rows(), [['google', '3', '1.67 s'], ['yahoo', '2', '12 s']]);
    // Back to domains: by leaves the address.
    await page.click('button[data-by="domain"]');
    await page.waitForURL((u) => !u.searchParams.has('by') && u.searchParams.get('range') === '1h');
    await page.waitForFunction(() => document.querySelector('[data-table="domains"] tbody tr td')?.textContent === 'gmail.com');
    assert.equal(await firstHeader(), 'Destination');
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
    // Outbound failures by value: [name, failures, bounced, deferred, rejected]; ties by name.
    const table = (name) => page.$$eval(`[data-table="${name}"] tbody tr`, (trs) => trs.map((tr) => [...tr.cells].slice(0, 5).map((c) => c.textContent)));
    assert.deepEqual(await table('failures-to_domain'), [['gmail.com', '3', '0', '2', '1'], ['yahoo.com', '3', '2', '1', '0']]);
    assert.deepEqual(await table('failures-mx_host'), [['mx.gmail.com', '3', '0', '2', '1'], ['mx.yahoo.com', '3', '2', '1', '0']]);
    assert.deepEqual(await table('failures-sending_ip'), [['192.0.2.10', '5', '2', '3', '0'], ['192.0.2.11', '1', '0', '0', '1']]);
    assert.deepEqual(await table('failures-mta_node'), [['mta-01', '5', '2', '2', '1'], ['mta-02', '1', '0', '1', '0']]);
    // By mailbox provider: gmail.com is google, yahoo.com yahoo; the same rows as the API's byProvider.
    assert.deepEqual(await table('failures-provider'), [['google', '3', '0', '2', '1'], ['yahoo', '3', '2', '1', '0']]);
    assert.equal(await page.textContent('[data-table="failures-provider"] thead th >> nth=0'), 'Provider');
    const outBa = await server.api('/email/bounce-analysis?range=1h&direction=outbound');
    const providerRows = await page.$$eval('[data-table="failures-provider"] tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
    assert.deepEqual(
      providerRows.map((r) => [r[0], r[1], r[5]]),
      outBa.byProvider.map((p) => [p.name, String(p.failures), p.failureRate.toFixed(2).replace(/\.0+$/, '') + '%']),
    );
    // Top replies, both directions, as the API normalizes them.
    const ba = await server.api('/email/bounce-analysis?range=1h');
    const replies = await page.$$eval('[data-table="bounce-responses"] tbody tr', (trs) => trs.map((tr) => [tr.cells[0].textContent, tr.cells[1].textContent]));
    assert.deepEqual(replies, ba.topResponses.map((r) => [r.response, String(r.count)]));
    assert.equal(replies.reduce((n, r) => n + Number(r[1]), 0), 8);
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

  test('Queue page shows an empty fleet as empty, not as an error', async () => {
    await open('/email-flow/queue');
    await settled();
    const body = await server.api('/email/queue');
    assert.deepEqual([body.active, body.deferred, body.nodes, body.oldest], [0, 0, [], null]);
    const states = Object.fromEntries(await page.$$eval('[data-panel]', (ps) => ps.map((p) => [p.getAttribute('data-panel'), p.getAttribute('data-state')])));
    assert.deepEqual(states, { 'queue-total': 'ready', 'queue-oldest': 'empty', 'queue-nodes': 'empty', 'queue-ages': 'empty', 'queue-reasons': 'ready' });
    assert.equal(await page.textContent('[data-queue="total"] strong'), '0');
    assert.match(await page.textContent('[data-panel="queue-nodes"]'), /No ZoneMTA node is configured/);
    // The last hour's outbound deferrals: 3 rate_limited.
    const reasons = await page.$$eval('[data-table="queue-reasons"] tr', (trs) => trs.map((tr) => [tr.cells[0].textContent, tr.cells[1].textContent]));
    assert.deepEqual(reasons, [['rate_limited', '3']]);
  });

  test('Queue page shows the figures of a ZoneMTA node', async () => {
    const now = Date.now();
    const min = 60_000;
    const deferral = (ageMin, count, response) => ({ first: now - ageMin * min + min, last: now - 2 * min, next: now + 10 * min, count, response });
    // 3 active and 2 deferred deliveries in two zones, one in each age bucket but 12h-24h.
    const fake = await startFakeZoneMTA(['default', 'bulk'], [
      { id: '18f0a1', seq: '001', zone: 'default', recipient: 'a@gmail.com', created: now - 2 * min },
      { id: '18f0a2', seq: '001', zone: 'bulk', recipient: 'b@yahoo.com', created: now - 10 * min },
      { id: '18f0a3', seq: '001', zone: 'default', recipient: 'c@gmail.com', created: now - 60 * min },
      { id: '18f0a4', seq: '001', zone: 'default', recipient: 'd@outlook.com', created: now - 180 * min, deferred: deferral(180, 2, '421 4.7.0 Try again later') },
      { id: '18f0a5', seq: '002', zone: 'default', recipient: 'e@mail.ru', created: now - 30 * 60 * min, deferred: deferral(1800, 5, '451 4.7.1 Greylisted, please retry') },
    ]);
    const mta = await startServer({ args: ['--zonemta-nodes', `mta1=${fake.url}`, '--zonemta-interval', '500ms'] });
    const v = await launch();
    try {
      await mta.ingest([outbound('deferred', { n: 1, ago: 10, dom: 'mail.ru', extra: { statusCode: 451, statusMessage: '451 4.7.1 Greylisted', bounceCategory: 'greylisted', bounceType: 'soft' } })]);
      const body = await mta.waitFor('the first poll', async () => {
        const b = await mta.api('/email/queue');
        return b.nodes[0]?.lastSuccess && b.deferredReasons?.total === 1 ? b : null;
      });
      assert.deepEqual([body.active, body.deferred, body.staleNodes], [3, 2, 0]);
      assert.deepEqual(body.ageDistribution.buckets.map((b) => b.count), [1, 1, 1, 1, 0, 1]);
      assert.equal(body.oldest.queueId, '18f0a5');

      const vp = await v.context.newPage();
      vp.on('pageerror', (e) => console.error('pageerror:', e.message));
      await login(mta, vp, { role: 'viewer' });
      await vp.goto(mta.url + '/email-flow/queue');
      await vp.waitForFunction(() => document.querySelectorAll('[data-state="loading"]').length === 0 && document.querySelector('[data-node="mta1"]'));
      const states = await vp.$$eval('[data-panel]', (ps) => ps.map((p) => p.getAttribute('data-state')));
      assert.ok(states.every((s) => s === 'ready'), String(states));
      assert.equal(await vp.textContent('[data-queue="total"] strong'), '5');
      assert.equal(await vp.textContent('[data-queue="active"]'), '3');
      assert.equal(await vp.textContent('[data-queue="deferred"]'), '2');
      const node = await vp.$eval('[data-node="mta1"]', (li) => ({ stale: li.dataset.stale, active: li.dataset.active, deferred: li.dataset.deferred, text: li.textContent }));
      assert.deepEqual([node.stale, node.active, node.deferred], ['false', '3', '2']);
      assert.match(node.text, /default 4, bulk 1/);
      const ages = await chartSeries(vp, 'Queue age distribution');
      assert.deepEqual(ages.xAxis, ['<5m', '5m-30m', '30m-2h', '2h-12h', '12h-24h', '>24h']);
      assert.deepEqual(ages.series[0].data, [1, 1, 1, 1, 0, 1]);
      // The oldest: 30 h, mail.ru, its last reply and 5 attempts from /message/<id>.
      assert.equal(await vp.getAttribute('[data-oldest]', 'data-oldest'), '18f0a5');
      const age = Number(await vp.getAttribute('[data-age-seconds]', 'data-age-seconds'));
      assert.ok(Math.abs(age - 30 * 3600) < 60, String(age));
      assert.equal(await vp.textContent('[data-field="recipientDomain"]'), 'mail.ru');
      assert.equal(await vp.textContent('[data-field="lastResponse"]'), '451 4.7.1 Greylisted, please retry');
      assert.equal(await vp.textContent('[data-field="attempts"]'), '5');
      const reasons = await vp.$$eval('[data-table="queue-reasons"] tr', (trs) => trs.map((tr) => [tr.cells[0].textContent, tr.cells[1].textContent]));
      assert.deepEqual(reasons, [['greylisted', '1']]);
      assert.ok(fake.requests.some((r) => r === '/message/18f0a5'));
      await vp.waitForTimeout(400); // chart animations
      await vp.screenshot({ path: screenshotPath('queue-zonemta-light-1280'), fullPage: true });

      // The node stops answering: its last figures stay, marked stale.
      await fake.close();
      await vp.waitForSelector('[data-node="mta1"][data-stale="true"]', { timeout: 20_000 });
      assert.equal(await vp.textContent('[data-queue="total"] strong'), '5');
      assert.match(await vp.textContent('[data-node="mta1"]'), /stale since/);
    } finally {
      await v.close();
      await mta.stop();
      await fake.close().catch(() => {});
    }
  });

  test('panels refresh on their interval, and not while the tab is hidden', async () => {
    const v = await launch();
    try {
      const vp = await v.context.newPage();
      await login(server, vp, { role: 'admin' });
      await vp.clock.install();
      let n = 0;
      vp.on('request', (r) => {
        if (new URL(r.url()).pathname === '/api/v1/email/queue') n++;
      });
      await vp.goto(server.url + '/email-flow/queue');
      await vp.waitForFunction(() => document.querySelector('[data-panel="queue-total"]') && document.querySelectorAll('[data-state="loading"]').length === 0);
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
    await open('/admin');
    await settled();
    assert.notEqual(await page.$('nav >> text=Admin'), null);
    const users = await page.$$eval('[data-table="users"] tbody tr td:first-child', (tds) => tds.map((t) => t.textContent));
    assert.ok(users.includes('e2e-admin'));
    // An admin creates a read key: its secret is shown once, and it works.
    await page.fill('input[aria-label="Key name"]', 'e2e-created');
    await page.click('[data-panel="admin-keys"] form button[type=submit]');
    const secret = (await page.textContent('[data-secret]', { timeout: 5000 })).trim();
    assert.match(secret, /^\S{20,}$/);
    const withKey = await fetch(server.url + '/api/v1/email/stats?range=1h', { headers: { Authorization: 'Bearer ' + secret } });
    assert.equal(withKey.status, 200);
    await page.waitForFunction(() => [...document.querySelectorAll('[data-table="keys"] tbody tr td:first-child')].some((td) => td.textContent === 'e2e-created'));
    const listed = await page.evaluate(async () => (await (await fetch('/api/v1/admin/api-keys')).json()).keys.find((k) => k.name === 'e2e-created'));
    assert.deepEqual(listed.scopes, ['read']);
    assert.ok(!JSON.stringify(listed).includes(secret), 'the key list never shows the secret');
    assert.ok(secret.startsWith(listed.prefix), 'the list shows the prefix of the key');
    await page.click('[data-panel="admin-keys"] .secret button >> text=Done');
    assert.equal(await page.$('[data-secret]'), null);
    await open('/admin');
    await settled();
    assert.equal(await page.$('[data-secret]'), null, 'not shown again');
    assert.ok(!(await page.textContent('[data-panel="admin-keys"]')).includes(secret));
    // The admin API refuses an API key, even a valid read key.
    const keyAdmin = await fetch(server.url + '/api/v1/admin/users', { headers: { Authorization: 'Bearer ' + server.readKey } });
    assert.equal(keyAdmin.status, 403);

    // A viewer gets no Admin link, no Admin page, and 403 from the admin API.
    const v = await launch();
    try {
      const vp = await v.context.newPage();
      await login(server, vp, { role: 'viewer' });
      await vp.goto(server.url + '/email-flow');
      await vp.waitForSelector('nav');
      await vp.waitForSelector('[data-panel="counters"][data-state="ready"]');
      assert.equal(await vp.$('nav >> text=Admin'), null);
      await vp.goto(server.url + '/admin');
      await vp.waitForSelector('text=Admin is for administrators.');
      const r = await vp.evaluate(async () => {
        const list = await fetch('/api/v1/admin/users');
        return { list: list.status, code: (await list.json()).error?.code };
      });
      assert.equal(r.list, 403);
      // Logging out (a POST with the session's X-CSRF-Token) ends the session on the server.
      await vp.goto(server.url + '/email-flow');
      await vp.click('button >> text=Log out');
      await vp.waitForSelector('form[aria-label="Log in"]');
      assert.equal(await vp.evaluate(async () => (await fetch('/api/v1/auth/me')).status), 401);
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
      await ap.goto(server.url + '/email-flow');
      await ap.waitForSelector('form[aria-label="Log in"]');
      assert.equal(new URL(ap.url()).pathname, '/login');
      await ap.screenshot({ path: screenshotPath('login-light-1280') });
    } finally {
      await anon.close();
    }
  });

  test('login: a wrong password is refused, and repeated failures are locked out with a wait', async () => {
    const anon = await launch();
    try {
      const ap = await anon.context.newPage();
      await ap.goto(server.url + '/login');
      const attempt = async () => {
        await ap.fill('input[name=username]', 'e2e-locked');
        await ap.fill('input[name=password]', 'not-the-password-at-all');
        const [res] = await Promise.all([ap.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/auth/login'), ap.click('button[type=submit]')]);
        await ap.waitForFunction(() => {
          const f = document.querySelector('form[aria-label="Log in"]');
          return !f.querySelector('button[type=submit]').disabled && f.querySelector('[role=alert]');
        });
        return [res.status(), (await res.json()).error.code, await ap.textContent('form[aria-label="Log in"] [role=alert]')];
      };
      for (let i = 0; i < 5; i++) assert.deepEqual(await attempt(), [401, 'invalid_credentials', 'Invalid username or password.']);
      // The sixth within 15 minutes answers 429 too_many_attempts with Retry-After.
      const [status, code, text] = await attempt();
      assert.deepEqual([status, code], [429, 'too_many_attempts']);
      assert.match(text, /^Too many failed logins\. Try again in \d+ m \d\d s\.$/);
      assert.equal(new URL(ap.url()).pathname, '/login');
    } finally {
      await anon.close();
    }
  });
});
