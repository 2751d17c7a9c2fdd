// The Queue page reads GET /api/v1/email/queue, built in parallel with this
// page (issue 6). Its issue names the content — total active/deferred, per
// node with stale and last success, age distribution, oldest message,
// deferred reasons, trend — but not the field names, so normalizeQueue
// accepts the likely spellings and the page draws only what it finds.
// When the endpoint lands, align the primary names here (one place).

export interface QueueNode {
  node: string;
  active: number;
  deferred: number;
  stale: boolean;
  lastSuccess: string | null;
  error: string | null;
}

export interface QueueView {
  active: number;
  deferred: number;
  nodes: QueueNode[];
  ages: { label: string; count: number }[];
  oldest: { ageMs: number | null; toDomain: string; response: string; created: string | null } | null;
  reasons: { name: string; count: number }[];
  trend: { time: string; active: number; deferred: number }[];
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function pick(o: Obj, ...names: string[]): unknown {
  for (const n of names) if (o[n] !== undefined) return o[n];
  return undefined;
}

/** activeDeferred reads {active, deferred} given as numbers or as {rows}/{count} objects (ZoneMTA's counter shape). */
function activeDeferred(o: Obj): { active: number; deferred: number } {
  const read = (v: unknown) => (isObj(v) ? num(pick(v, 'rows', 'count', 'total')) : num(v));
  return { active: read(pick(o, 'active', 'queued')), deferred: read(pick(o, 'deferred')) };
}

function ageMs(o: Obj): number | null {
  const ms = pick(o, 'ageMs');
  if (typeof ms === 'number') return ms;
  const s = pick(o, 'ageSeconds', 'age');
  if (typeof s === 'number') return s * 1000;
  const created = str(pick(o, 'created', 'queuedAt', 'since'));
  if (created) {
    const t = Date.parse(created);
    if (!Number.isNaN(t)) return Date.now() - t;
  }
  return null;
}

/** normalizeQueue turns the endpoint's answer into what the Queue page draws. */
export function normalizeQueue(raw: unknown): QueueView {
  const r = isObj(raw) ? raw : {};
  const totalObj = pick(r, 'total', 'totals');
  const total = isObj(totalObj) ? activeDeferred(totalObj) : activeDeferred(r);

  const nodesRaw = pick(r, 'nodes', 'byNode');
  const nodes: QueueNode[] = (Array.isArray(nodesRaw) ? nodesRaw : []).filter(isObj).map((n) => {
    const ad = activeDeferred(isObj(n.counts) ? n.counts : n);
    const err = pick(n, 'error', 'lastError');
    return {
      node: str(pick(n, 'node', 'name', 'id')) || '(unnamed)',
      active: ad.active,
      deferred: ad.deferred,
      stale: Boolean(pick(n, 'stale')),
      lastSuccess: str(pick(n, 'lastSuccess', 'lastSuccessAt', 'updatedAt')) || null,
      error: typeof err === 'string' && err ? err : null,
    };
  });
  if (!isObj(totalObj) && nodes.length > 0 && total.active === 0 && total.deferred === 0) {
    for (const n of nodes) {
      total.active += n.active;
      total.deferred += n.deferred;
    }
  }

  const agesRaw = pick(r, 'ageDistribution', 'ages', 'age');
  const ages = (Array.isArray(agesRaw) ? agesRaw : []).filter(isObj).map((a) => ({
    label: str(pick(a, 'label', 'bucket', 'name')),
    count: num(pick(a, 'count', 'value')),
  }));

  const oldestRaw = pick(r, 'oldest', 'oldestMessage');
  const oldest = isObj(oldestRaw)
    ? {
        ageMs: ageMs(oldestRaw),
        toDomain: str(pick(oldestRaw, 'toDomain', 'recipientDomain', 'domain')),
        response: str(pick(oldestRaw, 'lastResponse', 'response')),
        created: str(pick(oldestRaw, 'created', 'queuedAt')) || null,
      }
    : null;

  const reasonsRaw = pick(r, 'deferredReasons', 'reasons');
  const reasons = (Array.isArray(reasonsRaw) ? reasonsRaw : []).filter(isObj).map((x) => ({
    name: str(pick(x, 'category', 'reason', 'name', 'label')) || '(unknown)',
    count: num(pick(x, 'count', 'value')),
  }));

  const trendRaw = pick(r, 'trend', 'samples', 'history');
  const trend = (Array.isArray(trendRaw) ? trendRaw : []).filter(isObj).map((p) => ({
    time: str(pick(p, 'time', 'at', 'bucket')),
    ...activeDeferred(p),
  }));

  return { ...total, nodes, ages, oldest, reasons, trend };
}
