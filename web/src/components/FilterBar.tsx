// Node and sender-domain filters, shown on the pages whose API takes them
// (delivery-time: node or fromDomain, one at a time). Kept in the URL.
import { useEffect, useState } from 'react';
import { setSearch, useLocation } from '../router';
import { useQuery } from '@tanstack/react-query';
import { get } from '../api/client';
import type { Stats } from '../api/types';
import { rangeFromSearch, rangeParams } from '../lib/timerange';

const LABELS = { node: 'MTA node', fromDomain: 'Sender domain' } as const;

type Field = 'node' | 'fromDomain';

export function FilterBar({ fields, exclusive = false }: { fields: Field[]; exclusive?: boolean }) {
  return (
    <div className="filters">
      {fields.map((f) => (
        <FilterField key={f} name={f} clears={exclusive ? fields.filter((o) => o !== f) : []} />
      ))}
    </div>
  );
}

function FilterField({ name, clears }: { name: Field; clears: Field[] }) {
  const { search } = useLocation();
  const value = search.get(name) ?? '';
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);
  const range = rangeFromSearch(search);
  // Suggestions come from the stats of the range: the values that have events.
  const by = name === 'node' ? 'mta_node' : 'from_domain';
  const opts = useQuery({
    queryKey: ['/email/stats', 'suggest', by, range],
    queryFn: ({ signal }) => get<Stats>('/email/stats', { ...rangeParams(range), by, limit: 200, sort: 'key' }, signal),
    staleTime: 60_000,
  });
  const listId = 'suggest-' + name;
  // A value set here clears the filters it cannot be combined with.
  const apply = (v: string) => {
    const next: Record<string, string | null> = { [name]: v.trim() || null, cursor: null };
    if (v.trim()) for (const c of clears) next[c] = null;
    setSearch(next);
  };
  return (
    <form
      className="filter"
      onSubmit={(e) => {
        e.preventDefault();
        apply(draft);
      }}
    >
      <label>
        {LABELS[name]}{' '}
        <input
          name={name}
          list={listId}
          value={draft}
          placeholder="all"
          onChange={(e) => setDraft(e.target.value)}
          onBlur={() => draft.trim() !== value && apply(draft)}
        />
      </label>
      <datalist id={listId}>
        {opts.data?.rows
          .filter((r) => r.key !== '(unknown)')
          .map((r) => (
            <option key={r.key} value={r.key} />
          ))}
      </datalist>
    </form>
  );
}
