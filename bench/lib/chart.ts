import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** One measured point of a series, with its spread. */
export interface ChartPoint {
  series: string;
  x: number;
  y: number;
  low: number;
  high: number;
}

/** A line chart of cost against history length. */
export interface LineChart {
  title: string;
  subtitle?: string;
  xTitle: string;
  yTitle: string;
  points: ChartPoint[];
}

/**
 * Renders `chart` to SVG with Vega-Lite: log–log axes (costs span orders of magnitude), a line
 * through the medians of each series and a bar from `low` to `high` for the spread. Vega's `none`
 * renderer makes SVG in plain Node; no browser or canvas is involved.
 */
export async function lineChartSvg(chart: LineChart): Promise<string> {
  const x = { field: 'x', type: 'quantitative', scale: { type: 'log' }, title: chart.xTitle } as const;
  const color = { field: 'series', type: 'nominal', title: null } as const;
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: chart.subtitle ? { text: chart.title, subtitle: chart.subtitle } : chart.title,
    width: 560,
    height: 340,
    background: 'white',
    data: { values: chart.points },
    layer: [
      {
        mark: { type: 'rule', strokeWidth: 1.5, opacity: 0.6 },
        encoding: {
          x,
          y: { field: 'low', type: 'quantitative', scale: { type: 'log' } },
          y2: { field: 'high' },
          color,
        },
      },
      {
        mark: { type: 'line', point: true },
        encoding: {
          x,
          y: { field: 'y', type: 'quantitative', scale: { type: 'log' }, title: chart.yTitle },
          color,
        },
      },
    ],
    config: { font: 'sans-serif', legend: { orient: 'bottom', columns: 3, labelLimit: 400, symbolOpacity: 1 } },
  };
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
