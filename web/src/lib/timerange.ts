// The global time range and filters live in the URL's query string, so a
// view can be shared by copying its address. This file converts between
// that query string and the API's parameters.

export const PRESETS = ['1h', '6h', '24h', '7d', '30d'] as const;
export type Preset = (typeof PRESETS)[number];

/** TimeRange is either a preset or a custom from/to window (RFC 3339). */
export type TimeRange = { kind: 'preset'; range: Preset } | { kind: 'custom'; from: string; to: string };

export const DEFAULT_RANGE: TimeRange = { kind: 'preset', range: '24h' };

/** rangeFromSearch reads range, or from and to, from a query string; anything invalid gives the default. */
export function rangeFromSearch(search: URLSearchParams): TimeRange {
  const from = search.get('from');
  const to = search.get('to');
  if (from && to) {
    const f = Date.parse(from);
    const t = Date.parse(to);
    if (!Number.isNaN(f) && !Number.isNaN(t) && f < t) {
      return { kind: 'custom', from: new Date(f).toISOString(), to: new Date(t).toISOString() };
    }
  }
  const r = search.get('range');
  if (r && (PRESETS as readonly string[]).includes(r)) return { kind: 'preset', range: r as Preset };
  return DEFAULT_RANGE;
}

/** rangeToSearch writes a range into a copy of the query string, removing the other form. */
export function rangeToSearch(search: URLSearchParams, tr: TimeRange): URLSearchParams {
  const s = new URLSearchParams(search);
  s.delete('range');
  s.delete('from');
  s.delete('to');
  if (tr.kind === 'preset') s.set('range', tr.range);
  else {
    s.set('from', tr.from);
    s.set('to', tr.to);
  }
  return s;
}

/** rangeParams are the API's parameters for a range. */
export function rangeParams(tr: TimeRange): Record<string, string> {
  return tr.kind === 'preset' ? { range: tr.range } : { from: tr.from, to: tr.to };
}

/** rangeKey identifies a range in query caches. */
export function rangeKey(tr: TimeRange): string {
  return tr.kind === 'preset' ? tr.range : `${tr.from}/${tr.to}`;
}

/** rangeLabel is the range as the picker shows it. */
export function rangeLabel(tr: TimeRange): string {
  if (tr.kind === 'preset') return `Last ${tr.range}`;
  return `${tr.from.slice(0, 16).replace('T', ' ')} → ${tr.to.slice(0, 16).replace('T', ' ')} UTC`;
}

/** toLocalInput converts an RFC 3339 instant to a datetime-local input value (local time). */
export function toLocalInput(iso: string): string {
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** fromLocalInput converts a datetime-local input value (local time) to RFC 3339 UTC, or null. */
export function fromLocalInput(v: string): string | null {
  if (!v) return null;
  const t = new Date(v).getTime();
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

/** presetMs is the length of a preset in milliseconds. */
export function presetMs(p: Preset): number {
  const n = parseInt(p, 10);
  return p.endsWith('h') ? n * 3600_000 : n * 86400_000;
}

/** Filters are the global filters the API supports on some endpoints. */
export interface Filters {
  node: string;
  fromDomain: string;
}

export function filtersFromSearch(search: URLSearchParams): Filters {
  return { node: search.get('node') ?? '', fromDomain: search.get('fromDomain') ?? '' };
}
