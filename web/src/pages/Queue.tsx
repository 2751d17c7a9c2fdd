// Queue: the outbound queue of every ZoneMTA node from /email/queue (issue 6),
// refreshed every 10 s, with a visible marker on nodes whose data is stale.
import { useMemo } from 'react';
import { useQueue } from '../api/queries';
import { Panel } from '../components/Panel';
import { Chart } from '../charts/Chart';
import { barOption, pieOption, trendOption } from '../charts/options';
import { formatAgo, formatDuration, formatInt, formatTime } from '../lib/format';
import { normalizeQueue } from '../lib/queue';
import { TYPE_COLORS } from '../lib/shape';

export function QueuePage() {
  const q = useQueue();
  const v = useMemo(() => (q.data === undefined ? null : normalizeQueue(q.data)), [q.data]);
  const loading = q.isPending;
  const err = q.error;
  const trend = useMemo(() => {
    if (!v || v.trend.length === 0) return null;
    const step = v.trend.length > 1 && Date.parse(v.trend[v.trend.length - 1].time) - Date.parse(v.trend[0].time) > 86400_000 ? '1h' : '5m';
    const o = trendOption(
      v.trend.map((p) => p.time),
      step,
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
    () => (v && v.nodes.length ? barOption(v.nodes.map((n) => n.node), v.nodes.map((n) => n.active + n.deferred), { horizontal: true, name: 'queued' }) : null),
    [v],
  );
  const ages = useMemo(() => (v && v.ages.length ? barOption(v.ages.map((a) => a.label), v.ages.map((a) => a.count), { name: 'messages', color: '#ea580c' }) : null), [v]);
  const reasons = useMemo(() => (v && v.reasons.length ? pieOption('deferred reasons', v.reasons.map((r) => ({ name: r.name, value: r.count }))) : null), [v]);

  return (
    <div className="page grid">
      <Panel title="Queued now" id="queue-total" loading={loading} error={err}>
        {v && (
          <div className="bignum">
            <div data-queue="total">
              <strong>{formatInt(v.active + v.deferred)}</strong> queued
            </div>
            <div className="muted">
              {formatInt(v.active)} active · {formatInt(v.deferred)} deferred
            </div>
            {trend ? <Chart option={trend} height={140} label="Queue size trend" /> : <p className="state state-empty">No queue samples yet.</p>}
          </div>
        )}
      </Panel>
      <Panel title="Oldest message" id="queue-oldest" loading={loading} error={err} empty={v?.oldest == null} emptyText="The queues are empty.">
        {v?.oldest && (
          <dl className="summary">
            <div>
              <dt>Age</dt>
              <dd>{formatDuration(v.oldest.ageMs)}</dd>
            </div>
            {v.oldest.created && (
              <div>
                <dt>Queued</dt>
                <dd>{formatTime(v.oldest.created)}</dd>
              </div>
            )}
            <div>
              <dt>Recipient domain</dt>
              <dd>{v.oldest.toDomain || '—'}</dd>
            </div>
            <div>
              <dt>Last response</dt>
              <dd>
                <code className="reply">{v.oldest.response || '—'}</code>
              </dd>
            </div>
          </dl>
        )}
      </Panel>
      <Panel title="Queue per node" id="queue-nodes" loading={loading} error={err} empty={v?.nodes.length === 0} emptyText="No ZoneMTA node is configured (Admin → MTA nodes).">
        {v && (
          <>
            {nodes && <Chart option={nodes} height={Math.max(120, v.nodes.length * 28 + 40)} label="Queue per node" />}
            <ul className="node-list">
              {v.nodes.map((n) => (
                <li key={n.node} data-node={n.node} data-stale={n.stale}>
                  <strong>{n.node}</strong> {formatInt(n.active)} active, {formatInt(n.deferred)} deferred
                  {n.stale && (
                    <span className="badge stale" role="status">
                      stale since {n.lastSuccess ? `${formatTime(n.lastSuccess)} (${formatAgo(n.lastSuccess)})` : 'never reached'}
                    </span>
                  )}
                  {n.error && <span className="state-error small"> {n.error}</span>}
                </li>
              ))}
            </ul>
          </>
        )}
      </Panel>
      <Panel title="Queue age" id="queue-ages" loading={loading} error={err} empty={!ages}>
        {ages && <Chart option={ages} label="Queue age distribution" />}
      </Panel>
      <Panel title="Deferred reasons (last hour)" id="queue-reasons" className="span-2" loading={loading} error={err} empty={!reasons} emptyText="No deferrals in the last hour.">
        {reasons && <Chart option={reasons} label="Deferred reasons" />}
      </Panel>
    </div>
  );
}
