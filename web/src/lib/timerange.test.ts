import { describe, expect, it } from 'vitest';
import { DEFAULT_RANGE, filtersFromSearch, fromLocalInput, rangeFromSearch, rangeLabel, rangeParams, rangeToSearch, toLocalInput } from './timerange';

describe('time range in the URL', () => {
  it('reads presets and falls back to 24h', () => {
    expect(rangeFromSearch(new URLSearchParams('range=7d'))).toEqual({ kind: 'preset', range: '7d' });
    expect(rangeFromSearch(new URLSearchParams('range=2w'))).toEqual(DEFAULT_RANGE);
    expect(rangeFromSearch(new URLSearchParams(''))).toEqual(DEFAULT_RANGE);
  });

  it('reads a custom window, normalised to UTC, and refuses an inverted one', () => {
    expect(rangeFromSearch(new URLSearchParams('from=2026-11-26T10:00:00%2B02:00&to=2026-11-26T12:00:00Z'))).toEqual({
      kind: 'custom',
      from: '2026-11-26T08:00:00.000Z',
      to: '2026-11-26T12:00:00.000Z',
    });
    expect(rangeFromSearch(new URLSearchParams('from=2026-11-26T12:00:00Z&to=2026-11-26T10:00:00Z'))).toEqual(DEFAULT_RANGE);
  });

  it('writes one form and keeps other parameters', () => {
    const s = rangeToSearch(new URLSearchParams('range=1h&node=mta-01'), { kind: 'custom', from: 'A', to: 'B' });
    expect(s.toString()).toBe('node=mta-01&from=A&to=B');
    const p = rangeToSearch(s, { kind: 'preset', range: '30d' });
    expect(p.toString()).toBe('node=mta-01&range=30d');
  });

  it('gives the API parameters', () => {
    expect(rangeParams({ kind: 'preset', range: '6h' })).toEqual({ range: '6h' });
    expect(rangeParams({ kind: 'custom', from: 'A', to: 'B' })).toEqual({ from: 'A', to: 'B' });
    expect(rangeLabel({ kind: 'preset', range: '6h' })).toBe('Last 6h');
  });

  it('round-trips datetime-local values', () => {
    const iso = '2026-11-26T08:30:00.000Z';
    expect(fromLocalInput(toLocalInput(iso))).toBe(iso);
    expect(fromLocalInput('')).toBeNull();
  });

  it('reads filters', () => {
    expect(filtersFromSearch(new URLSearchParams('node=mta-02&fromDomain=shop.example'))).toEqual({ node: 'mta-02', fromDomain: 'shop.example' });
  });
});
