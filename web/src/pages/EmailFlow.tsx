// Email Flow: counters for the range (live), throughput stacked areas, the
// live emails-per-second sparkline, outbound traffic per MTA node, and the
// sources (is every node and ingest key still reporting?).
// Outbound figures come from /email/stats and /email/throughput, inbound
// ones from /email/inbound (which also counts greylisting, by spam action),
// sources from /sources.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useInbound, useSources, useStats, useThroughput, useView } from '../api/queries';
import { Panel } from '../components/Panel';
import { CountUp } from '../components/CountUp';
import { Chart } from '../charts/Chart';
import { linesOption, sparklineOption, stackedAreaOption } from '../charts/options';
import {
  addFrame,
  countersFromStats,
  frameTotal,
  INBOUND_COUNTERS,
  OUTBOUND_COUNTERS,
  RateWindow,
  stackedByType,
  TYPE_COLORS,
  type Counters,
} from '../lib/shape';
import { useLiveFrames } from '../live';
import type { LiveFrame, Source } from '../api/types';
import { formatAgo, formatDuration, formatInt, formatPercent, formatTime } from '../lib/format';

const OUT_ORDER = [
  { type: 'delivered', label: 'delivered' },
  { type: 'deferred', label: 'deferred' },
  { type: 'bounced', label: 'bounced' },
  { type: 'rejected', label: 'rejected' },
] as const;

// Greylisted is a part of the others (mostly of deferred): a line over the stack.
const IN_ORDER = [
  { type: 'received', label: 'received' },
  { type: 'delivered', label: 'delivered' },
  { type: 'deferred', label: 'deferred' },
  { type: 'rejected', label: 'rejected' },
  { type: 'greylisted', label: 'greylisted', overlay: true },
];

export function EmailFlowPage() {
  return (
    <div className="page grid">
      <CountersPanel />
      <SparklinePanel />
      <ThroughputPanel />
      <InboundPanel />
      <ByNodePanel />
      <SourcesPanel />
    </div>
  );
}

function CountersPanel() {
  const { range } = useView();
  const out = useStats(range, { direction: 'outbound' });
  const inb = useInbound(range);
  const base = useMemo(() => (out.data && inb.data ? countersFromStats(out.data, inb.data) : null), [out.data, inb.data]);
  const [counters, setCounters] = useState<Counters | null>(null);
  // A custom window that ends in the past does not grow with live traffic.
  const liveApplies = range.kind === 'preset' || Date.parse(range.to) > Date.now();

  useEffect(() => setCounters(base), [base]);
  const onFrame = useCallback(
    (f: LiveFrame) => {
      if (liveApplies) setCounters((c) => (c ? addFrame(c, f) : c));
    },
    [liveApplies],
  );
  useLiveFrames(onFrame);

  return (
    <Panel title="Counters" id="counters" className="span-2" loading={!counters} error={out.error ?? inb.error}>
      {counters && (
        <div className="counters">
          <CounterGroup title="Outbound" dir="outbound" names={OUTBOUND_COUNTERS} values={counters.outbound} />
          <CounterGroup title="Inbound" dir="inbound" names={INBOUND_COUNTERS} values={counters.inbound} />
        </div>
      )}
    </Panel>
  );
}

function CounterGroup<K extends string>({ title, dir, names, values }: { title: string; dir: string; names: readonly K[]; values: Record<K, number> }) {
  return (
    <div className="counter-group" data-direction={dir}>
      <h3>{title}</h3>
      <dl>
        {names.map((n) => (
          <div key={n} className="counter" data-counter={`${dir}.${n}`} style={{ borderColor: TYPE_COLORS[n] }}>
            <dt>{n}</dt>
            <dd>
              <CountUp value={values[n]} />
            </dd>
          </div>
        ))}
      </dl>
    </div>
  );
}

function SparklinePanel() {
  const win = useRef(new RateWindow(300));
  const [points, setPoints] = useState<[number, number][]>(() => win.current.points(Date.now()));
  const onFrame = useCallback((f: LiveFrame) => win.current.add(Date.now(), frameTotal(f)), []);
  useLiveFrames(onFrame);
  useEffect(() => {
    const t = setInterval(() => {
      if (!document.hidden) setPoints(win.current.points(Date.now()));
    }, 1000);
    return () => clearInterval(t);
  }, []);
  const option = useMemo(() => sparklineOption(points), [points]);
  const last = points.length ? points[points.length - 1][1] : 0;
  return (
    <Panel title="Emails per second (live, last 5 minutes)" id="sparkline" className="span-2">
      <div className="spark-now" data-rate={last}>
        <strong>{last}</strong>/s now
      </div>
      <Chart option={option} height={110} label="emails per second" />
    </Panel>
  );
}

function ThroughputPanel() {
  const { range } = useView();
  const q = useThroughput(range, { direction: 'outbound' });
  const series = useMemo(() => (q.data ? stackedByType(q.data, [...OUT_ORDER]) : []), [q.data]);
  const option = useMemo(() => (q.data ? stackedAreaOption(q.data.buckets, q.data.step, series) : null), [q.data, series]);
  return (
    <Panel title="Outbound throughput" id="throughput-outbound" loading={q.isPending} error={q.error} empty={series.every((s) => s.total === 0)}>
      {option && <Chart option={option} label="Outbound throughput" />}
    </Panel>
  );
}

function InboundPanel() {
  const { range } = useView();
  const q = useInbound(range);
  const d = q.data;
  const series = useMemo(() => (d ? stackedByType({ buckets: d.buckets, series: d.trend }, IN_ORDER) : []), [d]);
  const option = useMemo(() => (d ? stackedAreaOption(d.buckets, d.step, series) : null), [d, series]);
  return (
    <Panel title="Inbound throughput" id="throughput-inbound" loading={q.isPending} error={q.error} empty={d?.total === 0}>
      {option && d && (
        <>
          <Chart option={option} label="Inbound throughput" />
          <p className="kpis" data-kpi="inbound-auth">
            {(['spf', 'dkim', 'dmarc'] as const).map((c) => (
              <span key={c} data-check={c} data-pass-rate={d[c].passRate ?? ''}>
                {c.toUpperCase()} pass {formatPercent(d[c].passRate, 2)}
              </span>
            ))}
            {d.spamActions
              .filter((a) => a.count > 0)
              .map((a) => (
                <span key={a.value} data-spam-action={a.value}>
                  spam {a.value} {formatInt(a.count)}
                </span>
              ))}
          </p>
        </>
      )}
    </Panel>
  );
}

function ByNodePanel() {
  const { range } = useView();
  const q = useThroughput(range, { direction: 'outbound', by: 'node' });
  const option = useMemo(() => (q.data ? linesOption(q.data.buckets, q.data.step, q.data.series) : null), [q.data]);
  return (
    <Panel title="Outbound by MTA node" id="by-node" className="span-2" loading={q.isPending} error={q.error} empty={q.data?.series.length === 0}>
      {option && <Chart option={option} label="Outbound by MTA node" />}
    </Panel>
  );
}

/**
 * SourcesPanel tells "no mail" from "the plugin stopped reporting": per MTA
 * node and per ingest key, when it last sent, its rate, its refused events
 * and whether the server calls it silent. Not tied to the time range: the
 * API's windows are the last 15 minutes and 24 hours.
 */
function SourcesPanel() {
  const q = useSources();
  const d = q.data;
  const nodes = d?.nodes ?? [];
  const keys = d?.keys ?? [];
  const silent = d ? d.silent.nodes + d.silent.keys : 0;
  return (
    <Panel
      title="Sources"
      id="sources"
      className="span-2"
      loading={q.isPending}
      error={q.error}
      empty={nodes.length === 0 && keys.length === 0}
      emptyText="No MTA node has sent events and no API key has the ingest scope."
      actions={
        silent > 0 && (
          <span className="badge src-silent" role="status" data-silent-count={silent}>
            {silent} silent
          </span>
        )
      }
    >
      {d && (
        <>
          <SourceTable kind="nodes" rows={nodes} asOf={d.asOf} />
          <SourceTable kind="keys" rows={keys} asOf={d.asOf} />
          <p className="muted small">
            Silent: nothing stored for {formatDuration(d.silentAfterSeconds * 1000)} (--silent-after). Rate: events per minute since {formatTime(d.rateWindow.from)}.
          </p>
        </>
      )}
    </Panel>
  );
}

function SourceTable({ kind, rows, asOf }: { kind: 'nodes' | 'keys'; rows: Source[]; asOf: string }) {
  // "Ago" from the answer's asOf, not the browser's clock, which may be off.
  const now = Date.parse(asOf);
  return (
    <table className="table compact" data-table={'sources-' + kind}>
      <thead>
        <tr>
          <th>{kind === 'nodes' ? 'MTA node' : 'API key'}</th>
          {kind === 'keys' && <th>Prefix</th>}
          <th title="when its newest stored event was received">Last seen</th>
          <th title="the newest event time it reported (the MTA's clock)">Last event</th>
          <th className="num">Events/min</th>
          <th className="num">Events (24 h)</th>
          <th className="num" title="events ingest refused with a field error">Refused (24 h)</th>
          <th>Status</th>
        </tr>
      </thead>
      <tbody>
        {rows.length === 0 && (
          <tr>
            <td colSpan={kind === 'keys' ? 8 : 7} className="muted">
              {kind === 'nodes' ? 'No MTA node has sent events yet.' : 'No API key has the ingest scope.'}
            </td>
          </tr>
        )}
        {rows.map((s) => (
          <tr key={s.keyId ?? s.name} data-source={s.name} data-silent={s.silent} data-status={s.status}>
            <td className="node">{s.name}</td>
            {kind === 'keys' && (
              <td>
                <code>{s.keyPrefix ?? '—'}</code>
              </td>
            )}
            <td title={formatTime(s.lastSeenAt)}>{formatAgo(s.lastSeenAt, now)}</td>
            <td>{formatTime(s.lastEventTime)}</td>
            <td className="num">{s.eventsPerMinute.toLocaleString('en-US', { maximumFractionDigits: 2 })}</td>
            <td className="num" title={`${formatInt(s.events.total)} in all`}>
              {formatInt(s.events.last24h)}
            </td>
            <td className={'num' + (s.rejected.last24h > 0 ? ' refused' : '')} title={`${formatInt(s.rejected.total)} in all`}>
              {formatInt(s.rejected.last24h)}
            </td>
            <td>
              <span className={'badge src-' + s.status}>
                {s.status}
                {s.silent && s.silentForSeconds != null && ` for ${formatDuration(s.silentForSeconds * 1000)}`}
              </span>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
