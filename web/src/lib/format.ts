// Number, duration, size and time formatting shared by every panel. Pure
// functions, so they are unit tested and the same figure reads the same way
// everywhere on screen.

const intFmt = new Intl.NumberFormat('en-US');

/** formatInt writes an integer count with thousands separators: 12,345. */
export function formatInt(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return '—';
  return intFmt.format(Math.round(n));
}

/** formatCompact writes a count in at most ~4 characters: 950, 12.3k, 4.5M. */
export function formatCompact(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return '—';
  const a = Math.abs(n);
  if (a < 1000) return String(Math.round(n));
  const units: [number, string][] = [[1e9, 'B'], [1e6, 'M'], [1e3, 'k']];
  for (const [v, u] of units) {
    if (a >= v) {
      const x = n / v;
      return (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(1).replace(/\.0$/, '')) + u;
    }
  }
  return String(n);
}

/** formatPercent writes a percentage given as 0–100 with up to 2 decimals. */
export function formatPercent(p: number | null | undefined, decimals = 1): string {
  if (p == null || !Number.isFinite(p)) return '—';
  return p.toFixed(decimals).replace(/\.0+$/, '') + '%';
}

/** formatDuration writes milliseconds the way an operator reads them: 850 ms, 2.4 s, 3 m 12 s, 5 h 02 m, 2 d 3 h. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return '—';
  if (ms < 0) return '-' + formatDuration(-ms);
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(2).replace(/0$/, '') : s.toFixed(1).replace(/\.0$/, '')} s`;
  const totalS = Math.round(s);
  if (totalS < 3600) return `${Math.floor(totalS / 60)} m ${String(totalS % 60).padStart(2, '0')} s`;
  const totalM = Math.floor(totalS / 60);
  if (totalM < 24 * 60) return `${Math.floor(totalM / 60)} h ${String(totalM % 60).padStart(2, '0')} m`;
  const totalH = Math.floor(totalM / 60);
  return `${Math.floor(totalH / 24)} d ${totalH % 24} h`;
}

/** formatBytes writes a size in binary units: 512 B, 12.5 KB, 3.2 MB. */
export function formatBytes(b: number | null | undefined): string {
  if (b == null || !Number.isFinite(b)) return '—';
  if (b < 1024) return `${Math.round(b)} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let x = b;
  let u = -1;
  while (x >= 1024 && u < units.length - 1) {
    x /= 1024;
    u++;
  }
  return `${x >= 100 ? x.toFixed(0) : x.toFixed(1).replace(/\.0$/, '')} ${units[u]}`;
}

/** formatTime writes an instant as local "YYYY-MM-DD HH:MM:SS". */
export function formatTime(iso: string | Date | null | undefined): string {
  if (!iso) return '—';
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  if (Number.isNaN(d.getTime())) return '—';
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** formatBucket labels a chart bucket: time of day for short steps, the date for daily ones. */
export function formatBucket(iso: string, step: string): string {
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  if (step === '1d') return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
  if (step === '1h') return `${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:00`;
  return `${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** formatAgo writes how long ago an instant was, relative to now: "3 m 05 s ago". */
export function formatAgo(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return 'never';
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return 'never';
  return `${formatDuration(Math.max(0, now - t))} ago`;
}
