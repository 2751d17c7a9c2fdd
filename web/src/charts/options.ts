// ECharts options built from shaped data. Pure, so the unit tests check the
// series the charts will draw.
import type { EChartsOption } from './echarts';
import { formatBucket, formatCompact, formatDuration, formatInt } from '../lib/format';
import { gaugeMax, latencyColor, type StackSeries } from '../lib/shape';

const GRID = { left: 56, right: 24, top: 36, bottom: 32 };
const PALETTE = ['#2563eb', '#16a34a', '#eab308', '#dc2626', '#9333ea', '#0891b2', '#ea580c', '#db2777', '#65a30d', '#475569', '#a16207'];

/** stackedAreaOption draws counts per bucket, one stacked area per series; overlay series are dashed lines over the stack. */
export function stackedAreaOption(buckets: string[], step: string, series: StackSeries[]): EChartsOption {
  return {
    color: series.map((s) => s.color),
    tooltip: { trigger: 'axis' },
    legend: { top: 0, data: series.map((s) => s.name) },
    grid: GRID,
    xAxis: { type: 'category', boundaryGap: false, data: buckets.map((b) => formatBucket(b, step)) },
    yAxis: { type: 'value', minInterval: 1, axisLabel: { formatter: (v: number) => formatCompact(v) } },
    series: series.map((s) =>
      s.overlay
        ? { name: s.name, type: 'line', lineStyle: { width: 2, type: 'dashed' }, symbol: 'none', itemStyle: { color: s.color }, data: s.values }
        : {
            name: s.name,
            type: 'line',
            stack: 'total',
            areaStyle: { opacity: 0.75 },
            lineStyle: { width: 1 },
            symbol: 'none',
            itemStyle: { color: s.color },
            data: s.values,
          },
    ),
  };
}

/** linesOption draws one line per series (outbound by node). */
export function linesOption(buckets: string[], step: string, series: { name: string; values: number[] }[]): EChartsOption {
  return {
    color: PALETTE,
    tooltip: { trigger: 'axis' },
    legend: { top: 0, type: 'scroll' },
    grid: GRID,
    xAxis: { type: 'category', boundaryGap: false, data: buckets.map((b) => formatBucket(b, step)) },
    yAxis: { type: 'value', minInterval: 1, axisLabel: { formatter: (v: number) => formatCompact(v) } },
    series: series.map((s) => ({ name: s.name, type: 'line', symbol: 'none', data: s.values })),
  };
}

/** sparklineOption draws the live events-per-second line of the last minutes. */
export function sparklineOption(points: [number, number][]): EChartsOption {
  return {
    animation: false,
    grid: { left: 40, right: 8, top: 8, bottom: 20 },
    tooltip: {
      trigger: 'axis',
      valueFormatter: (v: unknown) => `${formatInt(Number(v))}/s`,
    },
    xAxis: { type: 'time', axisLabel: { hideOverlap: true } },
    yAxis: { type: 'value', minInterval: 1, splitNumber: 2 },
    series: [{ name: 'emails/s', type: 'line', symbol: 'none', areaStyle: { opacity: 0.25 }, itemStyle: { color: '#2563eb' }, data: points }],
  };
}

/** gaugeOption draws one latency gauge with the green/yellow/red bands (3 s, 10 s). */
export function gaugeOption(name: string, ms: number | null): EChartsOption {
  const max = gaugeMax(ms);
  return {
    series: [
      {
        name,
        type: 'gauge',
        min: 0,
        max,
        radius: '92%',
        progress: { show: false },
        axisLine: {
          lineStyle: {
            width: 14,
            color: [
              [Math.min(3000 / max, 1), '#16a34a'],
              [Math.min(10000 / max, 1), '#eab308'],
              [1, '#dc2626'],
            ],
          },
        },
        pointer: { itemStyle: { color: latencyColor(ms) } },
        splitNumber: 5,
        axisLabel: { distance: 18, fontSize: 10, formatter: (v: number) => formatDuration(v).replace(' ', '') },
        detail: { valueAnimation: true, fontSize: 20, offsetCenter: [0, '70%'], formatter: () => formatDuration(ms), color: latencyColor(ms) },
        title: { offsetCenter: [0, '95%'] },
        data: [{ value: ms ?? 0, name }],
      },
    ],
  };
}

/** barOption draws labelled counts as bars; horizontal puts labels on the y axis. */
export function barOption(
  labels: string[],
  values: number[],
  opts: { horizontal?: boolean; color?: string; name?: string; format?: (v: number) => string } = {},
): EChartsOption {
  const cat = { type: 'category' as const, data: labels, axisLabel: { interval: 0, hideOverlap: !opts.horizontal } };
  const val = { type: 'value' as const, minInterval: 1, axisLabel: { formatter: opts.format ?? ((v: number) => formatCompact(v)) } };
  return {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    grid: opts.horizontal ? { left: 8, right: 32, top: 8, bottom: 24, containLabel: true } : { ...GRID, top: 16 },
    xAxis: opts.horizontal ? val : cat,
    yAxis: opts.horizontal ? { ...cat, inverse: true } : val,
    series: [{ name: opts.name ?? 'count', type: 'bar', itemStyle: { color: opts.color ?? '#2563eb' }, data: values, barMaxWidth: 36 }],
  };
}

/** pieOption draws shares of a whole. */
export function pieOption(name: string, items: { name: string; value: number; color?: string }[]): EChartsOption {
  return {
    color: PALETTE,
    tooltip: { trigger: 'item', formatter: '{b}: {c} ({d}%)' },
    legend: { type: 'scroll', orient: 'vertical', right: 0, top: 'middle' },
    series: [
      {
        name,
        type: 'pie',
        radius: ['40%', '70%'],
        center: ['35%', '50%'],
        label: { show: false },
        data: items.map((i) => ({ name: i.name, value: i.value, itemStyle: i.color ? { color: i.color } : undefined })),
      },
    ],
  };
}

/** trendOption draws time series of possibly missing values (null = no data in the bucket). */
export function trendOption(
  times: string[],
  step: string,
  series: { name: string; values: (number | null)[]; color: string }[],
  format: (v: number) => string,
): EChartsOption {
  return {
    tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => (v == null ? '—' : format(Number(v))) },
    legend: { top: 0 },
    grid: { ...GRID, left: 64 },
    xAxis: { type: 'category', boundaryGap: false, data: times.map((t) => formatBucket(t, step)) },
    yAxis: { type: 'value', axisLabel: { formatter: (v: number) => format(v) } },
    // Buckets without data are gaps, not zeros; with few points the symbols
    // keep an isolated bucket visible.
    series: series.map((s) => ({
      name: s.name,
      type: 'line',
      symbol: 'circle',
      symbolSize: 5,
      showSymbol: s.values.filter((v) => v != null).length <= 60,
      connectNulls: false,
      itemStyle: { color: s.color },
      data: s.values,
    })),
  };
}
