// Logs: event search with every filter of /email/events, cursor paging, and
// export links; each row links to its message trace.
import { useEffect, useState } from 'react';
import { useSearch } from '../api/queries';
import { Panel } from '../components/Panel';
import { Link, setSearch, useLocation } from '../router';
import { exportUrl, LOG_FILTERS, logParams, PAGE_SIZES, type LogFilterKey } from '../lib/logs';
import { formatBytes, formatDuration, formatTime } from '../lib/format';
import type { StoredEvent } from '../api/types';

const TYPES = ['sent', 'delivered', 'deferred', 'bounced', 'rejected', 'received'];

export function LogsPage() {
  const { search } = useLocation();
  const params = logParams(search);
  const paramsKey = JSON.stringify(params);
  // Cursors of the pages before the current one, for "Previous".
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.length ? cursors[cursors.length - 1] : '';
  useEffect(() => setCursors([]), [paramsKey]);
  const q = useSearch({ ...params, cursor: cursor || undefined });
  const rows = q.data?.events ?? [];

  return (
    <div className="page">
      <LogFilters search={search} />
      <Panel
        title="Events"
        id="events"
        loading={q.isPending}
        error={q.error}
        empty={rows.length === 0}
        emptyText="No events match these filters in this time range."
        actions={
          <span className="actions">
            <a href={exportUrl(params, 'csv')} download data-export="csv">
              Export CSV
            </a>
            <a href={exportUrl(params, 'ndjson')} download data-export="ndjson">
              Export NDJSON
            </a>
          </span>
        }
      >
        <EventTable rows={rows} />
        <div className="pager">
          <button type="button" disabled={cursors.length === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>
            Newer
          </button>
          <span data-page={cursors.length + 1}>
            Page {cursors.length + 1} · {rows.length} events
          </span>
          <button type="button" disabled={!q.data?.nextCursor} onClick={() => q.data?.nextCursor && setCursors((c) => [...c, q.data!.nextCursor!])}>
            Older
          </button>
        </div>
      </Panel>
    </div>
  );
}

function LogFilters({ search }: { search: URLSearchParams }) {
  const initial = () => Object.fromEntries(LOG_FILTERS.map((f) => [f.key, search.get(f.key) ?? ''])) as Record<LogFilterKey, string>;
  const [draft, setDraft] = useState(initial);
  const key = search.toString();
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(() => setDraft(initial()), [key]);
  const set = (k: LogFilterKey, v: string) => setDraft((d) => ({ ...d, [k]: v }));
  const types = draft.eventType ? draft.eventType.split(',') : [];

  return (
    <form
      className="log-filters panel"
      aria-label="Event filters"
      onSubmit={(e) => {
        e.preventDefault();
        setSearch(Object.fromEntries(LOG_FILTERS.map((f) => [f.key, draft[f.key].trim() || null])));
      }}
    >
      <fieldset className="types">
        <legend>Event type</legend>
        {TYPES.map((t) => (
          <label key={t}>
            <input
              type="checkbox"
              name="eventType"
              value={t}
              checked={types.includes(t)}
              onChange={(e) => set('eventType', (e.target.checked ? [...types, t] : types.filter((x) => x !== t)).join(','))}
            />
            {t}
          </label>
        ))}
      </fieldset>
      <label>
        Direction
        <select name="direction" value={draft.direction} onChange={(e) => set('direction', e.target.value)}>
          <option value="">both</option>
          <option value="outbound">outbound</option>
          <option value="inbound">inbound</option>
        </select>
      </label>
      {LOG_FILTERS.filter((f) => f.key !== 'eventType' && f.key !== 'direction').map((f) => (
        <label key={f.key}>
          {f.label}
          <input name={f.key} value={draft[f.key]} onChange={(e) => set(f.key, e.target.value)} />
        </label>
      ))}
      <label>
        Page size
        <select name="limit" value={logParams(search).limit} onChange={(e) => setSearch({ limit: e.target.value })}>
          {[...new Set([...PAGE_SIZES, Number(logParams(search).limit)])].sort((a, b) => a - b).map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </label>
      <div className="form-actions">
        <button type="submit">Search</button>
        <button type="button" onClick={() => setSearch(Object.fromEntries(LOG_FILTERS.map((f) => [f.key, null])))}>
          Clear
        </button>
      </div>
    </form>
  );
}

function EventTable({ rows }: { rows: StoredEvent[] }) {
  return (
    <div className="table-wrap">
      <table className="table" data-table="events">
        <thead>
          <tr>
            <th>Time</th>
            <th>Type</th>
            <th>From</th>
            <th>To</th>
            <th>Node</th>
            <th>Reply</th>
            <th className="num">Delivery</th>
            <th className="num">Size</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((e) => {
            const id = e.messageId || e.queueId;
            return (
              <tr key={e.id} data-event-id={e.id}>
                <td className="nowrap">{id ? <Link href={'/logs/trace/' + encodeURIComponent(id)}>{formatTime(e.time)}</Link> : formatTime(e.time)}</td>
                <td>
                  <span className={'badge t-' + e.eventType}>{e.eventType}</span>
                  {e.direction === 'inbound' && <span className="muted small"> in</span>}
                </td>
                <td className="ellipsis">{e.fromAddress ?? e.fromDomain ?? ''}</td>
                <td className="ellipsis">{e.toAddress ?? e.toDomain ?? ''}</td>
                <td className="node">{e.mtaNode ?? ''}</td>
                <td className="ellipsis reply" title={e.statusMessage}>
                  {e.bounceCategory && <span className="badge">{e.bounceCategory}</span>} {e.statusMessage ?? ''}
                </td>
                <td className="num">{e.deliveryTimeMs != null ? formatDuration(e.deliveryTimeMs) : ''}</td>
                <td className="num">{e.messageSize != null ? formatBytes(e.messageSize) : ''}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
