// Email Flow: counters for the range (live), throughput stacked areas, the
// live emails-per-second sparkline and outbound traffic per MTA node.
// Outbound figures come from /email/stats and /email/throughput, inbound
// ones from /email/inbound (which also counts greylisting, by spam action).
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useInbound, useStats, useThroughput, useView } from '../api/queries';
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
import type { LiveFrame } from '../api/types';
import { formatInt, formatPercent } from '../lib/format';

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
