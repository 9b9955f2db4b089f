/**
 * The histogram chart's chart.js configuration, as a pure function so a test
 * can hold it to chart.js's performance guidance: no animation, no parsing
 * (points come in the internal {x, y} format), and data declared normalized
 * (sorted, unique x), since the chart is updated in place at every snapshot.
 */
import type { ChartConfiguration } from 'chart.js';
import { chartPoints, type BarPoint } from './chart-data.js';

/** The theme's colours and font, as read from the page's CSS custom properties. */
export interface ChartTheme {
  bar: string;
  text: string;
  grid: string;
  font: string;
}

export type BarChartConfig = ChartConfiguration<'bar', BarPoint[], string>;

/**
 * A bar chart of one dataset with one bar per label, all zero until the first
 * update. `bucketName(i)` names the i-th bar's bucket as the table and the CLI do, for
 * tooltips; it is asked at hover time, so the shown range may change under a live chart.
 */
export function barChartConfig(labels: string[], bucketName: (index: number) => string, theme: ChartTheme): BarChartConfig {
  const title = (text: string): { display: true; text: string; color: string } => ({ display: true, text, color: theme.text });
  return {
    type: 'bar',
    data: {
      labels,
      datasets: [{
        data: chartPoints([], labels.length), backgroundColor: theme.bar, hoverBackgroundColor: theme.bar,
        borderWidth: 0, categoryPercentage: 0.9, barPercentage: 1,
      }],
    },
    options: {
      font: { family: theme.font },
      animation: false,
      parsing: false,
      normalized: true,
      responsive: true,
      maintainAspectRatio: false,
      scales: {
        x: {
          type: 'category', grid: { display: false }, title: title('Size (bytes)'),
          // Labels turn (up to 45°) before any is left out: every label that fits is drawn.
          ticks: { color: theme.text, autoSkip: true, autoSkipPadding: 4, minRotation: 0, maxRotation: 45 },
        },
        y: {
          type: 'linear', beginAtZero: true, title: title('Count'), ticks: { color: theme.text, precision: 0 }, grid: { color: theme.grid },
        },
      },
      plugins: {
        tooltip: {
          animation: false,
          callbacks: {
            title: (items) => `Size ${bucketName(items[0]?.dataIndex ?? 0)}`,
            label: (item) => `Count ${(item.parsed.y ?? 0).toLocaleString('en-US')}`,
          },
        },
      },
    },
  };
}
