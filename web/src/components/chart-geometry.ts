/**
 * The geometry of a monitoring chart (pure): which value range a metric is drawn over so that its
 * limit and baseline are always in view, and where each sample lands. Samples that measured
 * nothing (null) break the line rather than drawing it at zero.
 */

export type ChartInput = {
  /** Sample instants (ms) and values; null: not measured. */
  points: { at: number; value: number | null }[];
  from: number;
  to: number;
  limit: number | null;
  baseline: number | null;
  /** 'min': healthy above the limit (auth success), so the interesting part is near the top. */
  bound: 'max' | 'min' | 'overBaseline';
  /** Percent metrics never go above 100. */
  percent: boolean;
};

export type ChartBox = { width: number; height: number; left: number; right: number; top: number; bottom: number };

export const CHART_BOX: ChartBox = { width: 320, height: 150, left: 44, right: 8, top: 10, bottom: 22 };

export function valueRange(input: Pick<ChartInput, 'points' | 'limit' | 'baseline' | 'bound' | 'percent'>): { lo: number; hi: number } {
  const values = input.points.map((p) => p.value).filter((v): v is number => v !== null);
  const known = [...values, ...(input.limit !== null ? [input.limit] : []), ...(input.baseline !== null ? [input.baseline] : [])];
  if (input.bound === 'min') {
    // Auth success near 100 %: from a little under the lowest of the floor and the values, to 100.
    const lowest = known.length ? Math.min(...known) : 0;
    const top = input.percent ? 100 : Math.max(...known, 1);
    const lo = Math.max(0, lowest - Math.max(1, (top - lowest) * 0.5));
    return { lo, hi: top };
  }
  const highest = known.length ? Math.max(...known) : 0;
  let hi = highest > 0 ? highest * 1.25 : 1;
  if (input.percent) hi = Math.min(100, hi);
  return { lo: 0, hi: hi <= 0 ? 1 : hi };
}

/** Each run of measured samples as an SVG polyline "x,y x,y …" (gaps where nothing was measured). */
export function chartLines(input: ChartInput, box: ChartBox = CHART_BOX): { segments: string[]; y: (v: number) => number; x: (t: number) => number; lo: number; hi: number } {
  const { lo, hi } = valueRange(input);
  const span = Math.max(1, input.to - input.from);
  const plotW = box.width - box.left - box.right;
  const plotH = box.height - box.top - box.bottom;
  const x = (t: number) => Number((box.left + ((t - input.from) / span) * plotW).toFixed(1));
  const y = (v: number) => Number((box.top + (1 - (Math.min(hi, Math.max(lo, v)) - lo) / (hi - lo || 1)) * plotH).toFixed(1));
  const segments: string[] = [];
  let current: string[] = [];
  for (const p of input.points) {
    if (p.value === null) {
      if (current.length) segments.push(current.join(' '));
      current = [];
      continue;
    }
    current.push(`${x(p.at)},${y(p.value)}`);
  }
  if (current.length) segments.push(current.join(' '));
  return { segments, x, y, lo, hi };
}
