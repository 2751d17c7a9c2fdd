// Queue: the outbound queue of every ZoneMTA node from /email/queue (issue 6),
// refreshed every 10 s, with a visible marker on nodes whose data is stale.
import { useMemo } from 'react';
import { useQueue } from '../api/queries';
import { Panel } from '../components/Panel';
import { Chart } from '../charts/Chart';
import { barOption, pieOption, trendOption } from '../charts/options';
import { formatAgo, formatDuration, formatInt, formatPercent, formatTime } from '../lib/format';
import { hasQueued, normalizeQueue } from '../lib/queue';
import { TYPE_COLORS } from '../lib/shape';

const NO_NODE = 'No ZoneMTA node is configured (--zonemta-nodes, or Admin → MTA nodes with a ZoneMTA API URL).';

export function QueuePage() {
  const q = useQueue();
  const v = useMemo(() => (q.data === undefined ? null : normalizeQueue(q.data)), [q.data]);
  const loading = q.isPending;
  const err = q.error;
  const noNode = v?.nodes.length === 0;
  const trend = useMemo(() => {
    if (!v || v.trend.length === 0) return null;
    const o = trendOption(
      v.trend.map((p) => p.time),
      v.trendStep,
      [
        { name: 'active', values: v.trend.map((p) => p.active), color: '#2563eb' },
        { name: 'deferred', values: v.trend.map((p) => p.deferred), color: TYPE_COLORS.deferred },
      ],
      (n) => formatInt(n),
    ) as Record<string, unknown>;
    // A sparkline-sized chart: two grid lines are enough.
    return { ...o, yAxis: { ...(o.yAxis as object), splitNumber: 2 } };
  }, [v]);
  const nodes = useMemo(
    () => (v && v.nodes.length ? barOption(v.nodes.map((n) => n.name), v.nodes.map((n) => n.active + n.deferred), { horizontal: true, name: 'queued' }) : null),
    [v],
  );
  const ages = useMemo(() => (v && hasQueued(v) ? barOption(v.ages.map((a) => a.label), v.ages.map((a) => a.count), { name: 'deliveries', color: '#ea580c' }) : null), [v]);
  const reasons = useMemo(
    () => (v && v.reasons.length ? pieOption('deferred reasons', v.reasons.map((r) => ({ name: r.category, value: r.count }))) : null),
    [v],
  );

  return (
    <div className="page grid">
      <Panel title="Queued now" id="queue-total" loading={loading} error={err}>
        {v && (
          <div className="bignum">
            <div data-queue="total">
              <strong>{formatInt(v.active + v.deferred)}</strong> queued
            </div>
            <div className="muted">
              <span data-queue="active">{formatInt(v.active)}</span> active · <span data-queue="deferred">{formatInt(v.deferred)}</span> deferred
            </div>
            {v.staleNodes > 0 && (
              <p className="badge stale" role="status">
                includes the last known figures of {v.staleNodes} stale node{v.staleNodes === 1 ? '' : 's'}
              </p>
            )}
            {v.nodeSourceError && <p className="state-error small">Node list: {v.nodeSourceError}</p>}
            {noNode ? (
              <p className="state state-empty">{NO_NODE}</p>
            ) : trend ? (
              <Chart option={trend} height={140} label="Queue size trend" />
            ) : (
              <p className="state state-empty">No queue samples yet.</p>
            )}
          </div>
        )}
      </Panel>
      <Panel title="Oldest delivery" id="queue-oldest" loading={loading} error={err} empty={v?.oldest == null} emptyText={noNode ? NO_NODE : 'The queues are empty.'}>
        {v?.oldest && (
          <dl className="summary" data-oldest={v.oldest.queueId}>
            <div>
              <dt>Age</dt>
              <dd data-age-seconds={v.oldest.ageSeconds}>{formatDuration(v.oldest.ageSeconds * 1000)}</dd>
            </div>
            <div>
              <dt>Queued</dt>
              <dd>{formatTime(v.oldest.created)}</dd>
            </div>
            <div>
              <dt>Recipient domain</dt>
              <dd data-field="recipientDomain">{v.oldest.recipientDomain || '—'}</dd>
            </div>
            <div>
              <dt>Node / zone</dt>
              <dd>
                {v.oldest.node} / {v.oldest.zone} ({v.oldest.type}){v.oldest.stale && <span className="badge stale"> stale</span>}
              </dd>
            </div>
            <div>
              <dt>Attempts</dt>
              <dd data-field="attempts">{v.oldest.attempts}</dd>
            </div>
            {v.oldest.nextAttempt && (
              <div>
                <dt>Next attempt</dt>
                <dd>{formatTime(v.oldest.nextAttempt)}</dd>
              </div>
            )}
            <div>
              <dt>Last response</dt>
              <dd>
                <code className="reply" data-field="lastResponse">
                  {v.oldest.lastResponse || '—'}
                </code>
              </dd>
            </div>
          </dl>
        )}
      </Panel>
      <Panel title="Queue per node" id="queue-nodes" loading={loading} error={err} empty={noNode} emptyText={NO_NODE}>
        {v && (
          <>
            {nodes && <Chart option={nodes} height={Math.max(120, v.nodes.length * 28 + 40)} label="Queue per node" />}
            <ul className="node-list">
              {v.nodes.map((n) => (
                <li key={n.name} data-node={n.name} data-stale={n.stale} data-active={n.active} data-deferred={n.deferred}>
                  <strong>{n.name}</strong> {formatInt(n.active)} active, {formatInt(n.deferred)} deferred
                  {n.zones.length > 0 && <span className="muted small"> ({n.zones.map((z) => `${z.name} ${formatInt(z.active + z.deferred)}`).join(', ')})</span>}
                  {n.stale && (
                    <span className="badge stale" role="status">
                      stale since {n.lastSuccess ? `${formatTime(n.lastSuccess)} (${formatAgo(n.lastSuccess)})` : 'never reached'}
                    </span>
                  )}
                  {n.lastError && <span className="state-error small"> {n.lastError}</span>}
                </li>
              ))}
            </ul>
          </>
        )}
      </Panel>
      <Panel title="Queue age" id="queue-ages" loading={loading} error={err} empty={!ages} emptyText={noNode ? NO_NODE : 'The queues are empty.'}>
        {ages && v && (
          <>
            <Chart option={ages} label="Queue age distribution" />
            {v.sampled && (
              <p className="muted small">
                The {formatInt(v.sampleSize)} oldest of {formatInt(v.sampleTotal)} deliveries (ZoneMTA lists up to 500 per zone and type); the others are younger.
              </p>
            )}
          </>
        )}
      </Panel>
      <Panel title="Deferred reasons (last hour)" id="queue-reasons" className="span-2" loading={loading} error={err} empty={!reasons} emptyText="No deferrals in the last hour.">
        {reasons && v && (
          <>
            <Chart option={reasons} label="Deferred reasons" />
            <table className="table compact" data-table="queue-reasons">
              <tbody>
                {v.reasons.map((r) => (
                  <tr key={r.category}>
                    <td>{r.category}</td>
                    <td className="num">{formatInt(r.count)}</td>
                    <td className="num">{formatPercent(r.percent, 2)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </Panel>
    </div>
  );
}
