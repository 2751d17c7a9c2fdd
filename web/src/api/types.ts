// JSON shapes of the server's API (internal/query, internal/live and the
// auth contract). Field names match the Go json tags exactly.

export type EventType = 'sent' | 'delivered' | 'deferred' | 'bounced' | 'rejected' | 'received';
export type Direction = 'inbound' | 'outbound';

export interface Series {
  name: string;
  values: number[];
  total: number;
  other?: boolean;
}

export interface Throughput {
  from: string;
  to: string;
  step: string;
  by: string;
  buckets: string[];
  series: Series[];
}

export interface StatsRow {
  key: string;
  total: number;
  counts: Record<EventType, number>;
  bounceRate: number;
  deferralRate: number;
  avgDeliveryTimeMs: number | null;
}

export interface Stats {
  from: string;
  to: string;
  step: string;
  by: string;
  sort: string;
  totalRows: number;
  rows: StatsRow[];
  totals: StatsRow;
}

export interface Share {
  label: string;
  count: number;
  percent: number;
}

export interface DomainRow {
  domain: string;
  count: number;
  avgMs: number | null;
  p95Ms: number | null;
}

export interface DeliveryTime {
  from: string;
  to: string;
  step: string;
  node?: string;
  fromDomain?: string;
  sendingIp?: string;
  provider?: string;
  count: number;
  avgMs: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  errorBound: number;
  distribution: Share[];
  trend: { time: string; count: number; avgMs: number | null; p95Ms: number | null }[];
  domains: {
    from: string;
    to: string;
    /** by is what a row is: a recipient domain or a mailbox provider (google, microsoft…). */
    by: 'domain' | 'provider';
    sort: string;
    offset: number;
    limit: number;
    total: number;
    p95Partial?: boolean;
    rows: DomainRow[];
  };
}

export interface BounceAnalysis {
  from: string;
  to: string;
  step: string;
  total: number;
  byType: { type: EventType; count: number; percent: number }[];
  byCategory: { category: string; count: number; percent: number; hard: number; soft: number }[];
  byBounceType: { bounceType: string; count: number; percent: number }[];
  topResponses: ResponseShare[];
  byDomain: FailureShare[];
  byMx: FailureShare[];
  bySendingIp: FailureShare[];
  byNode: FailureShare[];
  /** byProvider is by recipient mailbox provider, outbound failures only. */
  byProvider: FailureShare[];
  deferred: { total: number; byCategory: { category: string; count: number; percent: number }[]; topResponses: ResponseShare[] };
}

/** FailureShare is one value's failures in bounce analysis; failureRate is of its events, in percent. */
export interface FailureShare {
  name: string;
  failures: number;
  bounced: number;
  deferred: number;
  rejected: number;
  percent: number;
  events: number;
  failureRate: number;
}

/** ResponseShare is one normalized SMTP reply. */
export interface ResponseShare {
  response: string;
  count: number;
  percent: number;
  bounced: number;
  deferred: number;
  rejected: number;
}

/** Inbound is GET /api/v1/email/inbound: mail the MX nodes received. */
export interface Inbound {
  from: string;
  to: string;
  step: string;
  total: number;
  buckets: string[];
  counters: Record<'received' | 'delivered' | 'rejected' | 'deferred' | 'greylisted', number>;
  trend: Series[];
  spamActions: { value: string; count: number; percent: number }[];
  spamActionTrend: Series[];
  spamScores: { score: number; count: number }[];
  spf: AuthCheck;
  dkim: AuthCheck;
  dmarc: AuthCheck;
}

export interface AuthCheck {
  results: { value: string; count: number; percent: number }[];
  passRate: number | null;
  passRateTrend: (number | null)[];
}

export interface MessageSize {
  from: string;
  to: string;
  step: string;
  count: number;
  avgBytes: number | null;
  p50Bytes: number | null;
  p95Bytes: number | null;
  errorBound: number;
  histogram: Share[];
  trend: { time: string; count: number; avgBytes: number | null }[];
}

export interface StoredEvent {
  id: number;
  time: string;
  eventType: EventType;
  direction: Direction;
  messageId?: string;
  queueId?: string;
  fromAddress?: string;
  fromUser?: string;
  fromDomain?: string;
  toAddress?: string;
  toDomain?: string;
  mtaNode?: string;
  sendingIp?: string;
  sendingIpV6?: string;
  mxHost?: string;
  statusCode?: number;
  statusMessage?: string;
  deliveryTimeMs?: number;
  queueTimeMs?: number;
  totalTimeMs?: number;
  bounceType?: string;
  bounceCategory?: string;
  bounceMessage?: string;
  messageSize?: number;
  dkimResult?: string;
  spfResult?: string;
  dmarcResult?: string;
  spamScore?: number;
  spamAction?: string;
}

export interface SearchResult {
  events: StoredEvent[];
  nextCursor: string | null;
}

export interface Trace {
  id: string;
  events: StoredEvent[];
  summary: {
    firstSeen: string;
    lastSeen: string;
    finalStatus: EventType;
    attempts: number;
    totalTimeMs: number;
  };
  truncated: boolean;
}

// GET /api/v1/sources (internal/source/report.go): is every MTA node and
// ingest key still reporting?

/** SourceCounts are events over the rate window, the last 24 hours and all time. */
export interface SourceCounts {
  window: number;
  last24h: number;
  total: number;
}

/** SourceStatus: never is "has sent nothing yet", revoked a revoked key (never silent). */
export type SourceStatus = 'reporting' | 'silent' | 'never' | 'revoked';

/** Source is one MTA node or API key. */
export interface Source {
  name: string;
  keyId?: number;
  keyPrefix?: string;
  revoked?: boolean;
  /** registered: a node of /api/v1/admin/nodes. */
  registered?: boolean;
  /** lastSeenAt is when the newest stored event was received (the server's clock). */
  lastSeenAt: string | null;
  /** lastEventTime is the newest event time stored (the MTA's clock). */
  lastEventTime: string | null;
  lastRejectedAt: string | null;
  events: SourceCounts;
  /** rejected are the events ingest refused with a field error. */
  rejected: SourceCounts;
  eventsPerMinute: number;
  silent: boolean;
  silentForSeconds?: number;
  status: SourceStatus;
}

export interface SourcesAnswer {
  asOf: string;
  silentAfterSeconds: number;
  rateWindow: { from: string; seconds: number };
  silent: { nodes: number; keys: number };
  nodes: Source[] | null;
  keys: Source[] | null;
}

/** LiveFrame is the data of one "counters" SSE event. */
export interface LiveFrame {
  time: string;
  delta: Partial<Record<Direction, Partial<Record<EventType, number>>>>;
  total: number;
}

// Auth contract.
export type Role = 'admin' | 'viewer';

export interface User {
  id: number;
  username: string;
  role: Role;
}

export interface Session {
  user: User;
  csrfToken: string;
}

export interface AdminUser extends User {
  disabled: boolean;
  createdAt: string;
  lastLoginAt: string | null;
}

export interface AdminKey {
  id: number;
  name: string;
  prefix: string;
  scopes: string[];
  allowedCidrs: string[] | null;
  createdAt: string;
  lastUsedAt: string | null;
  lastUsedAddr: string | null;
  revokedAt: string | null;
}

export interface AdminNode {
  id: number;
  name: string;
  role: string;
  apiUrl: string;
  createdAt: string;
}

export interface Retention {
  events: string;
  rollup5m: string;
  rollup1h: string;
  rollup1d: string;
}

export interface AuditEntry {
  id: number;
  time: string;
  actor: string;
  action: string;
  target: string;
  detail: string;
  remoteAddr: string;
}

// GET /api/v1/email/queue (internal/zonemta/view.go).
export interface QueueNodeAnswer {
  name: string;
  active: number;
  deferred: number;
  stale: boolean;
  polledAt: string | null;
  lastSuccess: string | null;
  lastError: string;
  lastErrorAt: string | null;
  zones: { name: string; active: number; deferred: number }[];
}

export interface QueueAnswer {
  time: string;
  active: number;
  deferred: number;
  staleNodes: number;
  nodeSourceError?: string;
  nodes: QueueNodeAnswer[];
  ageDistribution: { buckets: { label: string; count: number }[]; sampleSize: number; total: number; sampled: boolean };
  oldest: {
    node: string;
    queueId: string;
    zone: string;
    type: 'queued' | 'deferred';
    created: string;
    ageSeconds: number;
    recipientDomain: string;
    lastResponse: string;
    attempts: number;
    nextAttempt: string | null;
    stale: boolean;
  } | null;
  trend: { from: string; to: string; step: string; points: { time: string; active: number; deferred: number; nodes: number }[] };
  deferredReasons: { from: string; to: string; total: number; reasons: { category: string; count: number; percent: number }[] } | null;
}
