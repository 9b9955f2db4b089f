/**
 * The histogram as a chart.js bar chart. Only the pieces a bar chart needs are
 * registered, so the bundle stays small. The chart is built once (from
 * barChartConfig) and then updated in place with update('none'), labels
 * included: no animation, and the data is already in chart.js's internal format.
 */
import { useEffect, useMemo, useRef } from 'react';
import { BarController, BarElement, CategoryScale, Chart, LinearScale, Tooltip } from 'chart.js';
import type { Layout } from '../../shared/buckets.js';
import { tableRows } from '../../shared/table.js';
import { barChartConfig, type ChartTheme } from '../chart-config.js';
import { chartLabels, chartPoints, type BarPoint } from '../chart-data.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

type BarChart = Chart<'bar', BarPoint[], string>;

/** The theme's colours, read from the CSS custom properties so the chart follows light and dark. */
function themeColors(element: Element): ChartTheme {
  const css = getComputedStyle(element);
  const get = (name: string, fallback: string): string => css.getPropertyValue(name).trim() || fallback;
  return { bar: get('--chart-bar', '#3b82f6'), text: get('--muted', '#666'), grid: get('--grid', '#ddd'), font: css.fontFamily };
}

/** Repaints an existing chart in the current theme (the OS switched between light and dark). */
function applyTheme(chart: BarChart, element: Element): void {
  const c = themeColors(element);
  chart.data.datasets[0]!.backgroundColor = c.bar;
  chart.data.datasets[0]!.hoverBackgroundColor = c.bar;
  const { x, y } = chart.options.scales ?? {};
  if (x?.ticks) x.ticks.color = c.text;
  if (y?.ticks) y.ticks.color = c.text;
  if (y?.grid) y.grid.color = c.grid;
  if (x?.title) x.title.color = c.text;
  if (y?.title) y.title.color = c.text;
  // A full update: dataset colours are cached per update mode.
  chart.update();
}

interface HistogramChartProps {
  layout: Layout;
  counts: readonly number[];
  total: number;
  /** The buckets to draw (shownRange, or all). */
  range: { from: number; to: number };
}

export function HistogramChart({ layout, counts, total, range }: HistogramChartProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<BarChart | null>(null);
  const { from, to } = range;
  const labels = useMemo(() => chartLabels(layout).slice(from, to), [layout, from, to]);
  // Tooltips name the bucket exactly as the table and the CLI do; read at hover time.
  const exact = useRef<readonly string[]>([]);
  exact.current = useMemo(() => tableRows(layout, []).slice(from, to).map((r) => r.label), [layout, from, to]);

  // Built once; a new layout or a wider range (new data outside the trimmed one) only
  // changes the labels in place, so the chart never flickers through a rebuild.
  useEffect(() => {
    const element = canvas.current;
    if (!element) return undefined;
    const instance: BarChart = new Chart(element, barChartConfig([], (i) => exact.current[i] ?? '', themeColors(element)));
    chart.current = instance;
    const scheme = matchMedia('(prefers-color-scheme: dark)');
    const onScheme = (): void => applyTheme(instance, element);
    scheme.addEventListener('change', onScheme);
    return () => {
      scheme.removeEventListener('change', onScheme);
      chart.current = null;
      instance.destroy();
    };
  }, []);

  useEffect(() => {
    const instance = chart.current;
    if (!instance) return;
    if (instance.data.labels !== labels) instance.data.labels = labels;
    instance.data.datasets[0]!.data = chartPoints(counts.slice(from, to), labels.length);
    instance.update('none');
  }, [counts, labels, from, to]);

  return (
    <div className="chart-box">
      <canvas
        ref={canvas}
        data-testid="histogram-chart"
        role="img"
        aria-label={`Bar chart of ${total.toLocaleString('en-US')} events over ${labels.length} size buckets. The Table view lists every count.`}
      />
    </div>
  );
}
