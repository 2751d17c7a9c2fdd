// Data shaping: API answers in, what the panels draw out. Pure functions,
// unit tested in shape.test.ts.
import type { Direction, EventType, Inbound, LiveFrame, Series, Stats } from '../api/types';

/** Colours of event types, the same on every chart (issue 7: delivered green, deferred yellow, bounced red, rejected dark red). */
export const TYPE_COLORS: Record<string, string> = {
  delivered: '#16a34a',
  deferred: '#eab308',
  bounced: '#dc2626',
  rejected: '#7f1d1d',
  sent: '#2563eb',
  received: '#0891b2',
  greylisted: '#eab308',
};

export const OUTBOUND_COUNTERS = ['sent', 'delivered', 'bounced', 'deferred', 'rejected'] as const;
export const INBOUND_COUNTERS = ['received', 'delivered', 'rejected', 'deferred', 'greylisted'] as const;
export type OutboundCounter = (typeof OUTBOUND_COUNTERS)[number];
export type InboundCounter = (typeof INBOUND_COUNTERS)[number];

export interface Counters {
  outbound: Record<OutboundCounter, number>;
  inbound: Record<InboundCounter, number>;
}

/**
 * inboundCounterOf maps an inbound event type to its live counter.
 * Greylisted counts events whose spamAction is greylist (/email/inbound),
 * which a live frame does not carry: it follows the 30 s refresh, and a
 * greylisting counts live as the deferral it is stored as.
 */
export function inboundCounterOf(t: EventType): InboundCounter | null {
  switch (t) {
    case 'received':
    case 'delivered':
    case 'rejected':
    case 'deferred':
      return t;
  }
  return null;
}

/** countersFromStats builds the counters from /email/stats (outbound) and /email/inbound. */
export function countersFromStats(outbound: Stats, inbound: Inbound): Counters {
  const o = outbound.totals.counts;
  const i = inbound.counters;
  return {
    outbound: {
      sent: o.sent ?? 0,
      delivered: o.delivered ?? 0,
      bounced: o.bounced ?? 0,
      deferred: o.deferred ?? 0,
      rejected: o.rejected ?? 0,
    },
    inbound: {
      received: i.received ?? 0,
      delivered: i.delivered ?? 0,
      rejected: i.rejected ?? 0,
      deferred: i.deferred ?? 0,
      greylisted: i.greylisted ?? 0,
    },
  };
}

/** addFrame returns counters plus what a live frame reports. */
export function addFrame(c: Counters, f: LiveFrame): Counters {
  const out = { outbound: { ...c.outbound }, inbound: { ...c.inbound } };
  for (const [t, n] of Object.entries(f.delta.outbound ?? {})) {
    if ((OUTBOUND_COUNTERS as readonly string[]).includes(t)) out.outbound[t as OutboundCounter] += n ?? 0;
  }
  for (const [t, n] of Object.entries(f.delta.inbound ?? {})) {
    const k = inboundCounterOf(t as EventType);
    if (k) out.inbound[k] += n ?? 0;
  }
  return out;
}

/** frameTotal is the number of events of a frame, optionally of one direction. */
export function frameTotal(f: LiveFrame, dir?: Direction): number {
  let n = 0;
  for (const [d, m] of Object.entries(f.delta)) {
    if (dir && d !== dir) continue;
    for (const v of Object.values(m ?? {})) n += v ?? 0;
  }
  return n;
}

/**
 * RateWindow counts events per second over the last `seconds` seconds, for
 * the live sparkline. Seconds without events count 0.
 */
export class RateWindow {
  private counts = new Map<number, number>();
  constructor(public readonly seconds = 300) {}

  add(timeMs: number, n: number) {
    const s = Math.floor(timeMs / 1000);
    this.counts.set(s, (this.counts.get(s) ?? 0) + n);
  }

  /** points returns [second start ms, count] for each of the last `seconds` whole seconds before nowMs. */
  points(nowMs: number): [number, number][] {
    const end = Math.floor(nowMs / 1000);
    const start = end - this.seconds;
    for (const k of this.counts.keys()) if (k < start) this.counts.delete(k);
    const out: [number, number][] = [];
    for (let s = start; s < end; s++) out.push([s * 1000, this.counts.get(s) ?? 0]);
    return out;
  }
}

export interface StackSeries {
  name: string;
  color: string;
  values: number[];
  total: number;
  /** overlay draws a line over the stack instead of a stacked area (a subset of the others, e.g. greylisted). */
  overlay?: boolean;
}

/**
 * stackedByType picks the wanted event-type series of a throughput answer,
 * in the order given, with zeros for types that had no events, and with
 * display names (e.g. inbound deferred shows as greylisted).
 */
export function stackedByType(
  t: { buckets: string[]; series: Series[] },
  order: { type: string; label: string; overlay?: boolean }[],
): StackSeries[] {
  const byName = new Map(t.series.map((s) => [s.name, s]));
  return order.map(({ type, label, overlay }) => {
    const s = byName.get(type);
    return {
      name: label,
      color: TYPE_COLORS[label] ?? TYPE_COLORS[type] ?? '#888',
      values: s ? s.values : t.buckets.map(() => 0),
      total: s ? s.total : 0,
      ...(overlay ? { overlay } : {}),
    };
  });
}

/** bucketSeconds is the length of a bucket step in seconds. */
export function bucketSeconds(step: string): number {
  const m = /^(\d+)([smhd])$/.exec(step);
  if (!m) return 0;
  const n = parseInt(m[1], 10);
  return n * { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

/** Latency thresholds of the gauges: green below 3 s, yellow below 10 s, red beyond. */
export function latencyColor(ms: number | null): string {
  if (ms == null) return '#9ca3af';
  if (ms < 3000) return '#16a34a';
  if (ms < 10000) return '#eab308';
  return '#dc2626';
}

export function latencyLevel(ms: number | null): 'none' | 'good' | 'warn' | 'bad' {
  if (ms == null) return 'none';
  if (ms < 3000) return 'good';
  if (ms < 10000) return 'warn';
  return 'bad';
}

/** gaugeMax picks the gauge's scale so that the red zone is visible and the value fits: 15 s, 30 s, 1 m, 5 m, … */
export function gaugeMax(ms: number | null): number {
  const steps = [15_000, 30_000, 60_000, 300_000, 900_000, 3_600_000];
  for (const s of steps) if (ms == null || ms <= s) return s;
  return Math.ceil((ms ?? 0) / 3_600_000) * 3_600_000;
}
