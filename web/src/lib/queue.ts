// The Queue page reads GET /api/v1/email/queue (internal/zonemta/view.go;
// README "Queue view (ZoneMTA)"). normalizeQueue keeps the answer's field
// names and only fills what may be null or missing (no node, an older
// server) with empty values, so the page never breaks on a partial answer.
import type { QueueAnswer, QueueNodeAnswer } from '../api/types';

export type QueueNode = QueueNodeAnswer;

export interface QueueView {
  active: number;
  deferred: number;
  staleNodes: number;
  nodeSourceError: string;
  nodes: QueueNode[];
  /** ages are the six age buckets; sampled tells that only sampleSize of total deliveries were listed. */
  ages: { label: string; count: number }[];
  sampled: boolean;
  sampleSize: number;
  sampleTotal: number;
  oldest: QueueAnswer['oldest'];
  reasons: { category: string; count: number; percent: number }[];
  reasonsTotal: number;
  trendStep: string;
  trend: { time: string; active: number; deferred: number }[];
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const strOrNull = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const objs = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);

/** normalizeQueue turns the endpoint's answer into what the Queue page draws. */
export function normalizeQueue(raw: unknown): QueueView {
  const r = isObj(raw) ? raw : {};
  const nodes: QueueNode[] = objs(r.nodes).map((n) => ({
    name: str(n.name) || '(unnamed)',
    active: num(n.active),
    deferred: num(n.deferred),
    stale: n.stale === true,
    polledAt: strOrNull(n.polledAt),
    lastSuccess: strOrNull(n.lastSuccess),
    lastError: str(n.lastError),
    lastErrorAt: strOrNull(n.lastErrorAt),
    zones: objs(n.zones).map((z) => ({ name: str(z.name), active: num(z.active), deferred: num(z.deferred) })),
  }));
  const ad = isObj(r.ageDistribution) ? r.ageDistribution : {};
  const o = isObj(r.oldest) ? r.oldest : null;
  const dr = isObj(r.deferredReasons) ? r.deferredReasons : {};
  const trend = isObj(r.trend) ? r.trend : {};
  return {
    active: num(r.active),
    deferred: num(r.deferred),
    staleNodes: num(r.staleNodes),
    nodeSourceError: str(r.nodeSourceError),
    nodes,
    ages: objs(ad.buckets).map((b) => ({ label: str(b.label), count: num(b.count) })),
    sampled: ad.sampled === true,
    sampleSize: num(ad.sampleSize),
    sampleTotal: num(ad.total),
    oldest: o && {
      node: str(o.node),
      queueId: str(o.queueId),
      zone: str(o.zone),
      type: o.type === 'deferred' ? 'deferred' : 'queued',
      created: str(o.created),
      ageSeconds: num(o.ageSeconds),
      recipientDomain: str(o.recipientDomain),
      lastResponse: str(o.lastResponse),
      attempts: num(o.attempts),
      nextAttempt: strOrNull(o.nextAttempt),
      stale: o.stale === true,
    },
    reasons: objs(dr.reasons).map((x) => ({ category: str(x.category) || '(uncategorized)', count: num(x.count), percent: num(x.percent) })),
    reasonsTotal: num(dr.total),
    trendStep: str(trend.step) || '5m',
    trend: objs(trend.points).map((p) => ({ time: str(p.time), active: num(p.active), deferred: num(p.deferred) })),
  };
}

/** hasQueued tells whether any delivery is counted in the age buckets. */
export function hasQueued(v: QueueView): boolean {
  return v.ages.some((a) => a.count > 0);
}
