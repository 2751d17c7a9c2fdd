// Bounces: failure types and categories with percentages, the top failure
// replies, outbound failures by destination domain, mailbox provider, MX
// host, sending IP and node (all from /email/bounce-analysis), and message sizes.
import { useMemo } from 'react';
import { useBounceAnalysis, useMessageSize, useView } from '../api/queries';
import { Panel } from '../components/Panel';
import { Chart } from '../charts/Chart';
import { barOption, pieOption, trendOption } from '../charts/options';
import { formatBytes, formatInt, formatPercent } from '../lib/format';
import { TYPE_COLORS } from '../lib/shape';
import type { TimeRange } from '../lib/timerange';
import type { FailureShare } from '../api/types';

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
      <Panel title="Top failure responses" id="bounce-responses" className="span-2" loading={ba.isPending} error={ba.error} empty={empty || d?.topResponses.length === 0}>
        {d && (
          <table className="table compact" data-table="bounce-responses">
            <thead>
              <tr>
                <th>SMTP reply (normalized)</th>
                <th className="num">Count</th>
                <th className="num">Share</th>
                <th className="num">Bounced</th>
                <th className="num">Deferred</th>
                <th className="num">Rejected</th>
              </tr>
            </thead>
            <tbody>
              {d.topResponses.map((r) => (
                <tr key={r.response}>
                  <td>
                    <code className="reply">{r.response}</code>
                  </td>
                  <td className="num">{formatInt(r.count)}</td>
                  <td className="num">{formatPercent(r.percent, 2)}</td>
                  <td className="num">{formatInt(r.bounced)}</td>
                  <td className="num">{formatInt(r.deferred)}</td>
                  <td className="num">{formatInt(r.rejected)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Panel>
      <OutboundBreakdowns range={range} />
      <MessageSizePanel range={range} />
    </div>
  );
}

// The provider table comes first and full width: the summary of the four
// half-width tables under it (and five half-width panels would leave a hole).
const BREAKDOWNS: { key: 'byDomain' | 'byProvider' | 'byMx' | 'bySendingIp' | 'byNode'; id: string; title: string; column: string; className?: string }[] = [
  { key: 'byProvider', id: 'provider', title: 'By mailbox provider', column: 'Provider', className: 'span-2' },
  { key: 'byDomain', id: 'to_domain', title: 'By destination domain', column: 'Domain' },
  { key: 'byMx', id: 'mx_host', title: 'By MX host', column: 'MX host' },
  { key: 'bySendingIp', id: 'sending_ip', title: 'By sending IP', column: 'IP' },
  { key: 'byNode', id: 'mta_node', title: 'By MTA node', column: 'Node' },
];

/** OutboundBreakdowns are the outbound failures by domain, provider, MX, IP and node, from one bounce-analysis answer. */
function OutboundBreakdowns({ range }: { range: TimeRange }) {
  const q = useBounceAnalysis(range, { direction: 'outbound' });
  return (
    <>
      {BREAKDOWNS.map((b) => (
        <FailureTable key={b.key} id={b.id} title={b.title} column={b.column} className={b.className} rows={q.data?.[b.key]} loading={q.isPending} error={q.error} />
      ))}
    </>
  );
}

function FailureTable({
  id,
  title,
  column,
  className,
  rows,
  loading,
  error,
}: {
  id: string;
  title: string;
  column: string;
  className?: string;
  rows?: FailureShare[];
  loading: boolean;
  error: unknown;
}) {
  return (
    <Panel title={title} id={'failures-' + id} className={className} loading={loading} error={error} empty={rows?.length === 0} emptyText="No outbound failures in this time range.">
      <table className="table compact" data-table={'failures-' + id}>
        <thead>
          <tr>
            <th>{column}</th>
            <th className="num">Failures</th>
            <th className="num">Bounced</th>
            <th className="num">Deferred</th>
            <th className="num">Rejected</th>
            <th className="num" title="failures as a share of all its outbound events">Failure rate</th>
          </tr>
        </thead>
        <tbody>
          {rows?.map((r) => (
            <tr key={r.name}>
              <td>{r.name || '(unknown)'}</td>
              <td className="num">{formatInt(r.failures)}</td>
              <td className="num">{formatInt(r.bounced)}</td>
              <td className="num">{formatInt(r.deferred)}</td>
              <td className="num">{formatInt(r.rejected)}</td>
              <td className="num">{formatPercent(r.failureRate, 2)}</td>
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
