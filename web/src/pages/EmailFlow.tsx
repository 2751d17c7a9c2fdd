// Email Flow: counters for the range (live), throughput stacked areas, the
// live emails-per-second sparkline and outbound traffic per MTA node.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useStats, useThroughput, useView } from '../api/queries';
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

const OUT_ORDER = [
  { type: 'delivered', label: 'delivered' },
  { type: 'deferred', label: 'deferred' },
  { type: 'bounced', label: 'bounced' },
  { type: 'rejected', label: 'rejected' },
] as const;

const IN_ORDER = [
  { type: 'received', label: 'received' },
  { type: 'delivered', label: 'delivered' },
  { type: 'deferred', label: 'greylisted' },
  { type: 'rejected', label: 'rejected' },
] as const;

export function EmailFlowPage() {
  return (
    <div className="page grid">
      <CountersPanel />
      <SparklinePanel />
      <ThroughputPanel direction="outbound" />
      <ThroughputPanel direction="inbound" />
      <ByNodePanel />
    </div>
  );
}

function CountersPanel() {
  const { range } = useView();
  const out = useStats(range, { direction: 'outbound' });
  const inb = useStats(range, { direction: 'inbound' });
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

function ThroughputPanel({ direction }: { direction: 'outbound' | 'inbound' }) {
  const { range } = useView();
  const q = useThroughput(range, { direction });
  const order = direction === 'outbound' ? OUT_ORDER : IN_ORDER;
  const series = useMemo(() => (q.data ? stackedByType(q.data, [...order]) : []), [q.data, order]);
  const option = useMemo(() => (q.data ? stackedAreaOption(q.data.buckets, q.data.step, series) : null), [q.data, series]);
  const title = direction === 'outbound' ? 'Outbound throughput' : 'Inbound throughput';
  return (
    <Panel title={title} id={`throughput-${direction}`} loading={q.isPending} error={q.error} empty={series.every((s) => s.total === 0)}>
      {option && <Chart option={option} label={title} />}
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
