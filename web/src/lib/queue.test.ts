import { describe, expect, it } from 'vitest';
import { normalizeQueue } from './queue';

describe('normalizeQueue', () => {
  it('reads the documented content', () => {
    const v = normalizeQueue({
      total: { active: 120, deferred: 30 },
      nodes: [
        { node: 'mta-01', active: 100, deferred: 20, stale: false, lastSuccess: '2026-11-27T05:00:00Z' },
        { node: 'mta-02', active: 20, deferred: 10, stale: true, lastSuccess: '2026-11-27T04:00:00Z', error: 'connection refused' },
      ],
      ageDistribution: [
        { label: '<5m', count: 90 },
        { label: '>24h', count: 2 },
      ],
      oldest: { ageMs: 90_000_000, toDomain: 'gmail.com', lastResponse: '421 4.7.0 try later' },
      deferredReasons: [{ category: 'rate_limited', count: 12 }],
      trend: [{ time: '2026-11-27T05:00:00Z', active: 118, deferred: 29 }],
    });
    expect(v.active).toBe(120);
    expect(v.deferred).toBe(30);
    expect(v.nodes[1]).toEqual({ node: 'mta-02', active: 20, deferred: 10, stale: true, lastSuccess: '2026-11-27T04:00:00Z', error: 'connection refused' });
    expect(v.ages).toEqual([
      { label: '<5m', count: 90 },
      { label: '>24h', count: 2 },
    ]);
    expect(v.oldest).toEqual({ ageMs: 90_000_000, toDomain: 'gmail.com', response: '421 4.7.0 try later', created: null });
    expect(v.reasons).toEqual([{ name: 'rate_limited', count: 12 }]);
    expect(v.trend).toEqual([{ time: '2026-11-27T05:00:00Z', active: 118, deferred: 29 }]);
  });

  it("accepts ZoneMTA's {rows} counters and sums nodes when there is no total", () => {
    const v = normalizeQueue({ nodes: [{ name: 'a', counts: { active: { rows: 3 }, deferred: { rows: 1 } } }, { name: 'b', active: 2, deferred: 0 }] });
    expect([v.active, v.deferred]).toEqual([5, 1]);
    expect(v.nodes.map((n) => n.node)).toEqual(['a', 'b']);
    expect(v.oldest).toBeNull();
  });

  it('survives nonsense', () => {
    expect(normalizeQueue(null)).toEqual({ active: 0, deferred: 0, nodes: [], ages: [], oldest: null, reasons: [], trend: [] });
    expect(normalizeQueue({ nodes: 'x', trend: [1, 2] }).trend).toEqual([]);
  });
});
