import { describe, expect, it } from 'vitest';
import { barOption, gaugeOption, stackedAreaOption } from './options';

type AnyOpt = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('chart options', () => {
  it('stacks the throughput series with their colours', () => {
    const o = stackedAreaOption(['2026-11-27T05:00:00Z'], '5m', [
      { name: 'delivered', color: '#16a34a', values: [5], total: 5 },
      { name: 'bounced', color: '#dc2626', values: [1], total: 1 },
    ]) as AnyOpt;
    expect(o.series.map((s: AnyOpt) => [s.name, s.stack, s.data, s.itemStyle.color])).toEqual([
      ['delivered', 'total', [5], '#16a34a'],
      ['bounced', 'total', [1], '#dc2626'],
    ]);
  });

  it('draws an overlay series as an unstacked dashed line over the stack', () => {
    const o = stackedAreaOption(['2026-11-27T05:00:00Z'], '5m', [
      { name: 'deferred', color: '#eab308', values: [3], total: 3 },
      { name: 'greylisted', color: '#eab308', values: [2], total: 2, overlay: true },
    ]) as AnyOpt;
    expect(o.series.map((s: AnyOpt) => [s.name, s.stack, s.areaStyle === undefined, s.lineStyle.type])).toEqual([
      ['deferred', 'total', false, undefined],
      ['greylisted', undefined, true, 'dashed'],
    ]);
  });

  it('bands the gauge at 3 s and 10 s of its scale', () => {
    const o = gaugeOption('P95', 5070) as AnyOpt;
    const s = o.series[0];
    expect(s.max).toBe(15_000);
    expect(s.data).toEqual([{ value: 5070, name: 'P95' }]);
    expect(s.axisLine.lineStyle.color).toEqual([
      [0.2, '#16a34a'],
      [10000 / 15000, '#eab308'],
      [1, '#dc2626'],
    ]);
    expect(s.detail.formatter()).toBe('5.07 s');
  });

  it('puts labels on the y axis of horizontal bars', () => {
    const o = barOption(['a', 'b'], [1, 2], { horizontal: true }) as AnyOpt;
    expect(o.yAxis.data).toEqual(['a', 'b']);
    expect(o.series[0].data).toEqual([1, 2]);
  });
});
