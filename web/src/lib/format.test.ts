import { describe, expect, it } from 'vitest';
import { formatAgo, formatBucket, formatBytes, formatCompact, formatDuration, formatInt, formatPercent } from './format';

describe('format', () => {
  it.each([
    [0, '0'],
    [1234, '1,234'],
    [1234567.4, '1,234,567'],
    [null, '—'],
    [NaN, '—'],
  ])('formatInt(%s) = %s', (n, want) => expect(formatInt(n as number | null)).toBe(want));

  it.each([
    [950, '950'],
    [1000, '1k'],
    [12345, '12.3k'],
    [999_999, '1000k'],
    [4_500_000, '4.5M'],
    [2_000_000_000, '2B'],
  ])('formatCompact(%s) = %s', (n, want) => expect(formatCompact(n)).toBe(want));

  it.each([
    [0, '0 ms'],
    [850.4, '850 ms'],
    [2400, '2.4 s'],
    [2456, '2.46 s'],
    [12_300, '12.3 s'],
    [192_000, '3 m 12 s'],
    [5 * 3600_000 + 2 * 60_000, '5 h 02 m'],
    [51 * 3600_000, '2 d 3 h'],
    [null, '—'],
  ])('formatDuration(%s) = %s', (ms, want) => expect(formatDuration(ms as number | null)).toBe(want));

  it.each([
    [512, '512 B'],
    [12_800, '12.5 KB'],
    [3.2 * 1024 * 1024, '3.2 MB'],
    [300 * 1024 * 1024, '300 MB'],
  ])('formatBytes(%s) = %s', (b, want) => expect(formatBytes(b)).toBe(want));

  it('formatPercent keeps given decimals and trims zeros', () => {
    expect(formatPercent(22.57, 2)).toBe('22.57%');
    expect(formatPercent(3, 2)).toBe('3%');
    expect(formatPercent(null)).toBe('—');
  });

  it('formatBucket labels by step', () => {
    const iso = new Date(2026, 10, 27, 4, 5).toISOString();
    expect(formatBucket(iso, '5m')).toBe('04:05');
    expect(formatBucket(iso, '1h')).toBe('11-27 04:00');
    expect(formatBucket(iso, '1d')).toBe('2026-11-27');
  });

  it('formatAgo is relative to now', () => {
    expect(formatAgo('2026-11-27T05:00:00Z', Date.parse('2026-11-27T05:03:05Z'))).toBe('3 m 05 s ago');
    expect(formatAgo(null)).toBe('never');
  });
});
