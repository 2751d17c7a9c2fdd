import { describe, expect, it } from 'vitest';
import { addFrame, bucketSeconds, countersFromStats, frameTotal, gaugeMax, latencyColor, latencyLevel, RateWindow, stackedByType } from './shape';
import type { Inbound, Stats, Throughput } from '../api/types';

function stats(counts: Partial<Record<string, number>>): Stats {
  const c = { sent: 0, delivered: 0, deferred: 0, bounced: 0, rejected: 0, received: 0, ...counts };
  const row = { key: '(all)', total: 0, counts: c, bounceRate: 0, deferralRate: 0, avgDeliveryTimeMs: null };
  return { from: '', to: '', step: '5m', by: '', sort: 'total', totalRows: 1, rows: [row], totals: row } as Stats;
}

function inbound(counters: Inbound['counters']): Inbound {
  return { counters } as Inbound;
}

describe('counters', () => {
  const base = countersFromStats(
    stats({ sent: 1, delivered: 10, bounced: 2, deferred: 3, rejected: 4 }),
    inbound({ received: 20, delivered: 5, rejected: 6, deferred: 7, greylisted: 2 }),
  );

  it('reads outbound from stats and inbound from /email/inbound, greylisted included', () => {
    expect(base).toEqual({
      outbound: { sent: 1, delivered: 10, bounced: 2, deferred: 3, rejected: 4 },
      inbound: { received: 20, delivered: 5, rejected: 6, deferred: 7, greylisted: 2 },
    });
  });

  it('adds a live frame without changing the original', () => {
    const f = { time: '', total: 6, delta: { outbound: { delivered: 3, bounced: 1 }, inbound: { received: 1, deferred: 1 } } };
    const next = addFrame(base, f);
    expect(next.outbound.delivered).toBe(13);
    expect(next.outbound.bounced).toBe(3);
    expect(next.inbound.received).toBe(21);
    expect(next.inbound.deferred).toBe(8);
    expect(next.inbound.greylisted).toBe(2); // not in a live frame: follows the refresh
    expect(base.outbound.delivered).toBe(10);
    expect(frameTotal(f)).toBe(6);
    expect(frameTotal(f, 'inbound')).toBe(2);
  });
});

describe('RateWindow', () => {
  it('counts per second and forgets older seconds', () => {
    const w = new RateWindow(5);
    const t0 = 1_000_000_000;
    w.add(t0 + 100, 3);
    w.add(t0 + 900, 2);
    w.add(t0 + 2500, 4);
    const pts = w.points(t0 + 4000);
    expect(pts).toHaveLength(5);
    expect(pts.map((p) => p[1])).toEqual([0, 5, 0, 4, 0]); // the current, partial second is not shown
    expect(pts[1][0]).toBe(t0);
    expect(w.points(t0 + 60_000).every((p) => p[1] === 0)).toBe(true);
  });
});

describe('stackedByType', () => {
  it('orders, renames and fills missing types with zeros', () => {
    const t: Throughput = {
      from: '',
      to: '',
      step: '5m',
      by: 'event_type',
      buckets: ['a', 'b'],
      series: [
        { name: 'deferred', values: [1, 2], total: 3 },
        { name: 'received', values: [5, 6], total: 11 },
      ],
    };
    const s = stackedByType(t, [
      { type: 'received', label: 'received' },
      { type: 'deferred', label: 'greylisted' },
      { type: 'rejected', label: 'rejected' },
    ]);
    expect(s.map((x) => [x.name, x.values, x.total])).toEqual([
      ['received', [5, 6], 11],
      ['greylisted', [1, 2], 3],
      ['rejected', [0, 0], 0],
    ]);
    expect(s[2].color).toBe('#7f1d1d');
  });
});

describe('latency thresholds', () => {
  it.each([
    [null, 'none', '#9ca3af'],
    [2999, 'good', '#16a34a'],
    [3000, 'warn', '#eab308'],
    [9999, 'warn', '#eab308'],
    [10000, 'bad', '#dc2626'],
  ])('%s ms is %s', (ms, level, color) => {
    expect(latencyLevel(ms)).toBe(level);
    expect(latencyColor(ms)).toBe(color);
  });

  it('scales the gauge to fit the value', () => {
    expect(gaugeMax(2000)).toBe(15_000);
    expect(gaugeMax(34_100)).toBe(60_000);
    expect(gaugeMax(5 * 3600_000 + 1)).toBe(6 * 3600_000);
  });

  it('knows bucket lengths', () => {
    expect(bucketSeconds('5m')).toBe(300);
    expect(bucketSeconds('1d')).toBe(86400);
    expect(bucketSeconds('x')).toBe(0);
  });
});
