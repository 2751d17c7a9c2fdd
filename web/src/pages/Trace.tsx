// Trace: every event of one message, oldest first, as a timeline with the
// SMTP replies, and the summary the API computes.
import { useTrace } from '../api/queries';
import { Panel } from '../components/Panel';
import { Link } from '../router';
import { formatBytes, formatDuration, formatTime } from '../lib/format';
import { ApiError } from '../api/client';

export function TracePage({ id }: { id: string }) {
  const q = useTrace(id);
  const notFound = q.error instanceof ApiError && q.error.status === 404;
  const t = q.data;
  return (
    <div className="page">
      <p>
        <Link href="/logs">← Logs</Link>
      </p>
      <Panel title="Message" id="trace-summary" loading={q.isPending} error={notFound ? null : q.error} empty={notFound} emptyText="No events for this message or queue id.">
        {t && (
          <dl className="summary" data-final={t.summary.finalStatus}>
            <div className="wide">
              <dt>Message or queue id</dt>
              <dd>
                <code>{id}</code>
              </dd>
            </div>
            <div>
              <dt>Final status</dt>
              <dd>
                <span className={'badge t-' + t.summary.finalStatus}>{t.summary.finalStatus}</span>
              </dd>
            </div>
            <div>
              <dt>First seen</dt>
              <dd>{formatTime(t.summary.firstSeen)}</dd>
            </div>
            <div>
              <dt>Last seen</dt>
              <dd>{formatTime(t.summary.lastSeen)}</dd>
            </div>
            <div>
              <dt>Deferrals</dt>
              <dd data-attempts={t.summary.attempts}>{t.summary.attempts}</dd>
            </div>
            <div>
              <dt>Total time</dt>
              <dd>{formatDuration(t.summary.totalTimeMs)}</dd>
            </div>
          </dl>
        )}
      </Panel>
      {t && (
        <Panel title="Timeline" id="trace-timeline">
          <ol className="timeline">
            {t.events.map((e) => (
              <li key={e.id} className={'t-' + e.eventType} data-event-type={e.eventType}>
                <div className="tl-head">
                  <span className={'badge t-' + e.eventType}>{e.eventType}</span>
                  <time dateTime={e.time}>{formatTime(e.time)}</time>
                  {e.mtaNode && <span className="muted">on {e.mtaNode}</span>}
                  {e.toAddress && <span>to {e.toAddress}</span>}
                </div>
                <div className="tl-body">
                  {e.statusMessage && <code className="reply">{e.statusMessage}</code>}
                  <span className="muted small">
                    {[
                      e.mxHost && `MX ${e.mxHost}`,
                      e.sendingIp && `from ${e.sendingIp}`,
                      e.bounceCategory && `category ${e.bounceCategory}${e.bounceType ? ` (${e.bounceType})` : ''}`,
                      e.deliveryTimeMs != null && `delivery ${formatDuration(e.deliveryTimeMs)}`,
                      e.queueTimeMs != null && `queued ${formatDuration(e.queueTimeMs)}`,
                      e.messageSize != null && formatBytes(e.messageSize),
                    ]
                      .filter(Boolean)
                      .join(' · ')}
                  </span>
                </div>
              </li>
            ))}
          </ol>
          {t.truncated && <p className="muted small">Only the first events are shown.</p>}
        </Panel>
      )}
    </div>
  );
}
