// Performance: delivery-time gauges, histogram, per-destination table and
// trend, from /email/delivery-time (optionally for one MTA node or sender domain).
// The table's rows are recipient domains or, with by=provider in the
// address, mailbox providers (google, microsoft, yahoo…, other).
import { useMemo, useState } from 'react';
import { useDeliveryTime, useView } from '../api/queries';
import { setSearch, useLocation } from '../router';
import { Panel } from '../components/Panel';
import { Chart } from '../charts/Chart';
import { barOption, gaugeOption, trendOption } from '../charts/options';
import { formatDuration, formatInt } from '../lib/format';
import { latencyLevel } from '../lib/shape';

const SORTS = [
  { key: 'domain', label: 'Destination' },
  { key: 'count', label: 'Delivered' },
  { key: 'avg', label: 'Average' },
  { key: 'p95', label: 'P95' },
] as const;
const PAGE = 20;
const GROUPINGS = [
  { key: 'domain', label: 'Domain' },
  { key: 'provider', label: 'Provider' },
] as const;

export function PerformancePage() {
  const { range, filters } = useView();
  const [sort, setSort] = useState<string>('count');
  const [offset, setOffset] = useState(0);
  const { search } = useLocation();
  const by = search.get('by') === 'provider' ? 'provider' : 'domain';
  const q = useDeliveryTime(range, { node: filters.node, fromDomain: filters.fromDomain, by, domainSort: sort, domainLimit: PAGE, domainOffset: offset });
  const d = q.data;
  const empty = d?.count === 0;
  // The header follows the answer, not the address: the previous rows stay on screen until the new ones arrive.
  const byProvider = d?.domains.by === 'provider';

  const hist = useMemo(
    () => (d ? barOption(d.distribution.map((s) => s.label), d.distribution.map((s) => s.count), { name: 'deliveries', color: '#16a34a' }) : null),
    [d],
  );
  const trend = useMemo(
    () =>
      d
        ? trendOption(
            d.trend.map((p) => p.time),
            d.step,
            [
              { name: 'average', values: d.trend.map((p) => p.avgMs), color: '#2563eb' },
              { name: 'P95', values: d.trend.map((p) => p.p95Ms), color: '#dc2626' },
            ],
            formatDuration,
          )
        : null,
    [d],
  );

  return (
    <div className="page grid">
      <Panel title="Delivery time" id="gauges" className="span-2" loading={q.isPending} error={q.error} empty={empty} emptyText="No deliveries in this time range.">
        {d && (
          <div className="gauges">
            {(
              [
                ['Average', d.avgMs],
                ['P95', d.p95Ms],
                ['P99', d.p99Ms],
              ] as const
            ).map(([name, ms]) => (
              <div key={name} className="gauge" data-gauge={name} data-ms={ms ?? ''} data-level={latencyLevel(ms)}>
                <Chart option={gaugeOption(name, ms)} height={200} label={`${name} delivery time`} />
              </div>
            ))}
            <p className="muted small">
              {formatInt(d.count)} deliveries{d.node ? ` via ${d.node}` : ''}
              {d.fromDomain ? ` from ${d.fromDomain}` : ''}; percentiles within {Math.round(d.errorBound * 1000) / 10}%.
            </p>
          </div>
        )}
      </Panel>
      <Panel title="Delivery-time distribution" id="histogram" loading={q.isPending} error={q.error} empty={empty}>
        {hist && <Chart option={hist} label="Delivery-time distribution" />}
      </Panel>
      <Panel title="Delivery-time trend" id="trend" loading={q.isPending} error={q.error} empty={empty}>
        {trend && <Chart option={trend} label="Delivery-time trend" />}
      </Panel>
      <Panel
        title="By destination"
        id="domains"
        className="span-2"
        loading={q.isPending}
        error={q.error}
        empty={d?.domains.total === 0}
        actions={
          <div className="seg" role="group" aria-label="Rows by">
            {GROUPINGS.map((g) => (
              <button
                type="button"
                key={g.key}
                data-by={g.key}
                aria-pressed={by === g.key}
                onClick={() => {
                  setSearch({ by: g.key === 'domain' ? null : g.key }); // domain is the default: keep the address short
                  setOffset(0);
                }}
              >
                {g.label}
              </button>
            ))}
          </div>
        }
      >
        {d && (
          <>
            <table className="table" data-table="domains">
              <thead>
                <tr>
                  {SORTS.map((s) => (
                    <th key={s.key} aria-sort={sort === s.key ? (s.key === 'domain' ? 'ascending' : 'descending') : 'none'} className={s.key === 'domain' ? '' : 'num'}>
                      <button
                        type="button"
                        className="sort"
                        onClick={() => {
                          setSort(s.key);
                          setOffset(0);
                        }}
                      >
                        {s.key === 'domain' && byProvider ? 'Provider' : s.label}
                        {sort === s.key ? (s.key === 'domain' ? ' ▲' : ' ▼') : ''}
                      </button>
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {d.domains.rows.map((r) => (
                  <tr key={r.domain}>
                    <td>{r.domain || '(unknown)'}</td>
                    <td className="num">{formatInt(r.count)}</td>
                    <td className={'num lat-' + latencyLevel(r.avgMs)}>{formatDuration(r.avgMs)}</td>
                    <td className={'num lat-' + latencyLevel(r.p95Ms)}>{formatDuration(r.p95Ms)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <Pager offset={d.domains.offset} limit={d.domains.limit} total={d.domains.total} onOffset={setOffset} />
            {d.domains.p95Partial && <p className="muted small">Sorted by P95 among the busiest destinations only (the server ranks a bounded number by P95).</p>}
          </>
        )}
      </Panel>
    </div>
  );
}

export function Pager({ offset, limit, total, onOffset }: { offset: number; limit: number; total: number; onOffset: (n: number) => void }) {
  const last = Math.min(offset + limit, total);
  return (
    <div className="pager">
      <button type="button" disabled={offset === 0} onClick={() => onOffset(Math.max(0, offset - limit))}>
        Previous
      </button>
      <span data-pager={`${offset + 1}-${last}/${total}`}>
        {total === 0 ? 0 : offset + 1}–{last} of {formatInt(total)}
      </span>
      <button type="button" disabled={last >= total} onClick={() => onOffset(offset + limit)}>
        Next
      </button>
    </div>
  );
}
