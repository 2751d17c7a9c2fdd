import { describe, expect, it } from 'vitest';
import { normalizeQueue } from './queue';

// An answer of GET /api/v1/email/queue as internal/zonemta/view.go writes it.
const ANSWER = {
  time: '2026-11-27T05:00:00Z',
  active: 120,
  deferred: 30,
  staleNodes: 1,
  nodes: [
    {
      name: 'mta-01',
      active: 100,
      deferred: 20,
      stale: false,
      polledAt: '2026-11-27T04:59:55Z',
      lastSuccess: '2026-11-27T04:59:55Z',
      lastError: '',
      lastErrorAt: null,
      zones: [{ name: 'default', active: 100, deferred: 20 }],
    },
    {
      name: 'mta-02',
      active: 20,
      deferred: 10,
      stale: true,
      polledAt: '2026-11-27T04:00:00Z',
      lastSuccess: '2026-11-27T04:00:00Z',
      lastError: 'GET /zones: connection refused',
      lastErrorAt: '2026-11-27T04:59:55Z',
      zones: [],
    },
  ],
  ageDistribution: {
    buckets: [
      { label: '<5m', count: 90 },
      { label: '5m-30m', count: 0 },
      { label: '>24h', count: 2 },
    ],
    sampleSize: 92,
    total: 150,
    sampled: true,
  },
  oldest: {
    node: 'mta-02',
    queueId: '18f0a',
    zone: 'default',
    type: 'deferred',
    created: '2026-11-26T03:00:00Z',
    ageSeconds: 93600,
    recipientDomain: 'gmail.com',
    lastResponse: '421 4.7.0 try later',
    attempts: 7,
    nextAttempt: '2026-11-27T05:10:00Z',
    stale: true,
  },
  trend: { from: '2026-11-26T05:00:00Z', to: '2026-11-27T05:00:00Z', step: '5m', points: [{ time: '2026-11-27T04:55:00Z', active: 118, deferred: 29, nodes: 2 }] },
  deferredReasons: { from: '2026-11-27T04:00:00Z', to: '2026-11-27T05:00:00Z', total: 12, reasons: [{ category: 'rate_limited', count: 12, percent: 100 }] },
};

describe('normalizeQueue', () => {
  it('reads the answer of /email/queue', () => {
    const v = normalizeQueue(ANSWER);
    expect([v.active, v.deferred, v.staleNodes]).toEqual([120, 30, 1]);
    expect(v.nodes[1]).toEqual(ANSWER.nodes[1]);
    expect(v.nodes[0].zones).toEqual([{ name: 'default', active: 100, deferred: 20 }]);
    expect(v.ages).toEqual(ANSWER.ageDistribution.buckets);
    expect([v.sampled, v.sampleSize, v.sampleTotal]).toEqual([true, 92, 150]);
    expect(v.oldest).toEqual(ANSWER.oldest);
    expect(v.reasons).toEqual([{ category: 'rate_limited', count: 12, percent: 100 }]);
    expect(v.reasonsTotal).toBe(12);
    expect(v.trendStep).toBe('5m');
    expect(v.trend).toEqual([{ time: '2026-11-27T04:55:00Z', active: 118, deferred: 29 }]);
  });

  it('reads the empty fleet: zeros, no nodes, no oldest', () => {
    const v = normalizeQueue({
      time: '2026-11-27T05:00:00Z',
      active: 0,
      deferred: 0,
      staleNodes: 0,
      nodes: [],
      ageDistribution: { buckets: [{ label: '<5m', count: 0 }], sampleSize: 0, total: 0, sampled: false },
      oldest: null,
      trend: { from: '', to: '', step: '5m', points: [] },
      deferredReasons: { from: '', to: '', total: 0, reasons: [] },
    });
    expect([v.active, v.deferred, v.nodes, v.oldest, v.trend, v.reasons]).toEqual([0, 0, [], null, [], []]);
  });

  it('survives nonsense', () => {
    const v = normalizeQueue(null);
    expect([v.active, v.nodes, v.ages, v.oldest, v.reasons, v.trend]).toEqual([0, [], [], null, [], []]);
    expect(normalizeQueue({ nodes: 'x', trend: { points: [1, 2] }, deferredReasons: null }).trend).toEqual([]);
  });
});
