// Chart draws one ECharts option into a div, resizes with its box and
// follows the theme. The instance is reachable from the DOM
// (echarts.getInstanceByDom) so the browser tests read the series drawn.
import { useEffect, useRef } from 'react';
import { echarts, type EChartsOption } from './echarts';
import { useTheme } from '../theme';

export function Chart({ option, height = 260, label }: { option: EChartsOption; height?: number; label: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const chart = useRef<ReturnType<typeof echarts.init> | null>(null);
  const theme = useTheme();

  useEffect(() => {
    const el = ref.current!;
    const c = echarts.init(el, theme === 'dark' ? 'dark' : undefined, { renderer: 'canvas' });
    chart.current = c;
    const ro = new ResizeObserver(() => c.resize());
    ro.observe(el);
    return () => {
      ro.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, [theme]);

  useEffect(() => {
    chart.current?.setOption({ backgroundColor: 'transparent', animationDuration: 300, ...option }, { notMerge: true });
  }, [option, theme]);

  return <div ref={ref} className="chart" data-chart={label} role="img" aria-label={label} style={{ height }} />;
}
