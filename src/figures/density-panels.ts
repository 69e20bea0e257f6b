/**
 * Small panels of 2-D densities side by side, each with Gaussian ellipses drawn over it: a true
 * posterior p(z|x) on a grid with the encoder's q(z|x) and the best Gaussian q* for several images.
 */
import { type ChartOptions, type Figure, type Trace, ellipsePath } from "./charts";

/** An axis-aligned ellipse: centre and half-axes (e.g. one or two standard deviations of a Gaussian). */
export interface PanelEllipse {
  /** Legend entry; ellipses of one name share a colour and one legend entry across panels. */
  name: string;
  cx: number;
  cy: number;
  rx: number;
  ry: number;
  color: string;
  /** plotly dash style (default "solid"). */
  dash?: string;
}

/** One panel: a density on a grid (`density[r][c]` at x[c], y[r]) and the ellipses over it. */
export interface DensityPanel {
  title: string;
  x: number[];
  y: number[];
  density: number[][];
  ellipses?: PanelEllipse[];
}

/**
 * The panels in rows of `columns` (default 3), each a filled contour plot of its density (equal
 * units on both axes, so shapes are true) with its ellipses.
 */
export function densityPanels(
  panels: DensityPanel[],
  opts: ChartOptions & { columns?: number } = {},
): Figure {
  if (panels.length === 0) throw new Error("densityPanels: give at least one panel.");
  const columns = Math.min(opts.columns ?? 3, panels.length);
  const rows = Math.ceil(panels.length / columns);
  const data: Trace[] = [];
  const layout: Figure["layout"] = {
    title: { text: opts.title ?? "" },
    width: opts.width ?? 300 * columns,
    height: opts.height ?? 290 * rows + 60,
    margin: { l: 40, r: 20, t: opts.title ? 70 : 30, b: 40 },
    grid: { rows, columns, pattern: "independent", ygap: 0.25, xgap: 0.12 },
    annotations: [],
    showlegend: true,
    legend: { orientation: "h", y: -0.08 },
  };
  const named = new Set<string>();
  panels.forEach((panel, i) => {
    checkPanel(panel, i);
    const axis = i === 0 ? "" : String(i + 1);
    const [xa, ya] = [`x${axis}`, `y${axis}`];
    data.push({
      type: "contour",
      x: panel.x,
      y: panel.y,
      z: panel.density,
      xaxis: xa,
      yaxis: ya,
      colorscale: "Greens",
      showscale: false,
      ncontours: 10,
      line: { width: 0.5 },
      name: "p(z|x)",
      hoverinfo: "skip",
    });
    for (const e of panel.ellipses ?? []) {
      data.push({
        type: "scatter",
        mode: "lines",
        ...ellipsePath(e.cx, e.cy, e.rx, e.ry, 64),
        xaxis: xa,
        yaxis: ya,
        name: e.name,
        legendgroup: e.name,
        showlegend: !named.has(e.name),
        line: { color: e.color, width: 2, dash: e.dash ?? "solid" },
        hoverinfo: "skip",
      });
      named.add(e.name);
    }
    layout[`xaxis${axis}`] = { title: { text: "z0" }, automargin: true };
    layout[`yaxis${axis}`] = { title: { text: "z1" }, automargin: true, scaleanchor: xa };
    (layout.annotations as unknown[]).push({
      text: panel.title,
      xref: `${xa} domain`,
      yref: `${ya} domain`,
      x: 0.5,
      y: 1.12,
      showarrow: false,
      font: { size: 12 },
    });
  });
  return { data, layout };
}

function checkPanel(panel: DensityPanel, i: number): void {
  const { x, y, density } = panel;
  if (density.length !== y.length || density.some((row) => row.length !== x.length))
    throw new Error(
      `densityPanels: panel ${i} ("${panel.title}") has a density of ${density.length} rows for ${y.length} y values ` +
        `and ${x.length} x values: give density[r][c] at (x[c], y[r]).`,
    );
}
