// The global time range: presets and a custom window, kept in the URL.
import { useState } from 'react';
import { setSearch, useLocation } from '../router';
import {
  PRESETS,
  fromLocalInput,
  presetMs,
  rangeFromSearch,
  rangeLabel,
  rangeToSearch,
  toLocalInput,
} from '../lib/timerange';

export function TimeRangePicker() {
  const { search } = useLocation();
  const tr = rangeFromSearch(search);
  const [custom, setCustom] = useState(false);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [err, setErr] = useState('');

  const apply = (s: URLSearchParams) => {
    setSearch({ range: s.get('range'), from: s.get('from'), to: s.get('to') });
  };

  const openCustom = () => {
    const end = tr.kind === 'custom' ? tr.to : new Date().toISOString();
    const start = tr.kind === 'custom' ? tr.from : new Date(Date.now() - presetMs(tr.range)).toISOString();
    setFrom(toLocalInput(start));
    setTo(toLocalInput(end));
    setErr('');
    setCustom(true);
  };

  const submitCustom = (e: React.FormEvent) => {
    e.preventDefault();
    const f = fromLocalInput(from);
    const t = fromLocalInput(to);
    if (!f || !t || f >= t) {
      setErr('From must be before To.');
      return;
    }
    apply(rangeToSearch(search, { kind: 'custom', from: f, to: t }));
    setCustom(false);
  };

  return (
    <div className="range-picker" role="group" aria-label="Time range">
      {PRESETS.map((p) => (
        <button
          type="button"
          key={p}
          data-range={p}
          aria-pressed={tr.kind === 'preset' && tr.range === p}
          onClick={() => apply(rangeToSearch(search, { kind: 'preset', range: p }))}
        >
          {p}
        </button>
      ))}
      <button type="button" data-range="custom" aria-pressed={tr.kind === 'custom'} aria-expanded={custom} onClick={() => (custom ? setCustom(false) : openCustom())}>
        Custom
      </button>
      {tr.kind === 'custom' && <span className="range-label">{rangeLabel(tr)}</span>}
      {custom && (
        <form className="range-custom" onSubmit={submitCustom}>
          <label>
            From <input type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} required />
          </label>
          <label>
            To <input type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} required />
          </label>
          <button type="submit">Apply</button>
          {err && <span className="state-error">{err}</span>}
        </form>
      )}
    </div>
  );
}
