// Bounces: failure types and categories with percentages, failures by
// destination domain, sending IP and node, and message sizes.
import { useMemo } from 'react';
import { useBounceAnalysis, useMessageSize, useStats, useView } from '../api/queries';
import { Panel } from '../components/Panel';
import { Chart } from '../charts/Chart';
import { barOption, pieOption, trendOption } from '../charts/options';
import { formatBytes, formatInt, formatPercent } from '../lib/format';
import { ratePercent, TYPE_COLORS } from '../lib/shape';
import type { TimeRange } from '../lib/timerange';

export function BouncesPage() {
  const { range } = useView();
  const ba = useBounceAnalysis(range, {});
  const d = ba.data;
  const empty = d?.total === 0;
  const typePie = useMemo(() => (d ? pieOption('failures by type', d.byType.map((t) => ({ name: t.type, value: t.count, color: TYPE_COLORS[t.type] }))) : null), [d]);
  const catBars = useMemo(
    () => (d ? barOption(d.byCategory.map((c) => c.category), d.byCategory.map((c) => c.count), { horizontal: true, color: '#dc2626', name: 'failures' }) : null),
    [d],
  );
  return (
    <div className="page grid">
      <Panel title="Failures by type" id="bounce-types" loading={ba.isPending} error={ba.error} empty={empty} emptyText="No bounces, deferrals or rejections in this time range.">
        {d && (
          <>
            <Chart option={typePie!} height={200} label="Failures by type" />
            <table className="table compact" data-table="bounce-types">
              <tbody>
                {d.byType.map((t) => (
                  <tr key={t.type}>
                    <td>{t.type}</td>
                    <td className="num">{formatInt(t.count)}</td>
                    <td className="num">{formatPercent(t.percent, 2)}</td>
                  </tr>
                ))}
                {d.byBounceType.map((t) => (
                  <tr key={'bt-' + t.bounceType} className="muted">
                    <td>{t.bounceType || '(unknown)'} bounce</td>
                    <td className="num">{formatInt(t.count)}</td>
                    <td className="num">{formatPercent(t.percent, 2)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </Panel>
      <Panel title="Top reasons (categories)" id="bounce-categories" loading={ba.isPending} error={ba.error} empty={empty}>
        {d && (
          <>
            <Chart option={catBars!} height={Math.max(160, d.byCategory.length * 24 + 40)} label="Failure categories" />
            <table className="table compact" data-table="bounce-categories">
              <thead>
                <tr>
                  <th>Category</th>
                  <th className="num">Count</th>
                  <th className="num">Share</th>
                  <th className="num">Hard</th>
                  <th className="num">Soft</th>
                </tr>
              </thead>
              <tbody>
                {d.byCategory.map((c) => (
                  <tr key={c.category}>
                    <td>{c.category}</td>
                    <td className="num">{formatInt(c.count)}</td>
                    <td className="num">{formatPercent(c.percent, 2)}</td>
                    <td className="num">{formatInt(c.hard)}</td>
                    <td className="num">{formatInt(c.soft)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </Panel>
      <FailuresBy range={range} by="to_domain" title="By destination domain" />
      <FailuresBy range={range} by="sending_ip" title="By sending IP" />
      <FailuresBy range={range} by="mta_node" title="By MTA node" />
      <MessageSizePanel range={range} />
    </div>
  );
}

function FailuresBy({ range, by, title }: { range: TimeRange; by: string; title: string }) {
  const q = useStats(range, { by, direction: 'outbound', sort: 'bounced', limit: 10 });
  const rows = q.data?.rows.filter((r) => r.counts.bounced + r.counts.deferred + r.counts.rejected > 0) ?? [];
  return (
    <Panel title={title} id={'failures-' + by} loading={q.isPending} error={q.error} empty={rows.length === 0} emptyText="No outbound failures in this time range.">
      <table className="table compact" data-table={'failures-' + by}>
        <thead>
          <tr>
            <th>{by === 'to_domain' ? 'Domain' : by === 'sending_ip' ? 'IP' : 'Node'}</th>
            <th className="num">Events</th>
            <th className="num">Bounced</th>
            <th className="num">Bounce rate</th>
            <th className="num">Deferred</th>
            <th className="num">Rejected</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key}>
              <td>{r.key}</td>
              <td className="num">{formatInt(r.total)}</td>
              <td className="num">{formatInt(r.counts.bounced)}</td>
              <td className="num">{formatPercent(ratePercent(r.bounceRate), 2)}</td>
              <td className="num">{formatInt(r.counts.deferred)}</td>
              <td className="num">{formatInt(r.counts.rejected)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Panel>
  );
}

function MessageSizePanel({ range }: { range: TimeRange }) {
  const q = useMessageSize(range, {});
  const d = q.data;
  const hist = useMemo(() => (d ? barOption(d.histogram.map((h) => h.label), d.histogram.map((h) => h.count), { name: 'messages', color: '#9333ea' }) : null), [d]);
  const trend = useMemo(
    () => (d ? trendOption(d.trend.map((p) => p.time), d.step, [{ name: 'average size', values: d.trend.map((p) => p.avgBytes), color: '#9333ea' }], formatBytes) : null),
    [d],
  );
  return (
    <Panel title="Message size" id="message-size" className="span-2" loading={q.isPending} error={q.error} empty={d?.count === 0}>
      {d && (
        <>
          <p className="kpis" data-kpi="message-size">
            <span>
              {formatInt(d.count)} messages
            </span>
            <span>average {formatBytes(d.avgBytes)}</span>
            <span>P50 {formatBytes(d.p50Bytes)}</span>
            <span>P95 {formatBytes(d.p95Bytes)}</span>
          </p>
          <div className="two">
            <Chart option={hist!} label="Message-size histogram" />
            <Chart option={trend!} label="Average message size trend" />
          </div>
        </>
      )}
    </Panel>
  );
}
