// Memory growth per service: a least-squares slope per minute over the run after warm-up, judged
// against a stated bound only when the fit spans long enough to mean something.

export interface Sample {
  atMs: number;
  value: number;
}

/** Least-squares slope of value over time, per minute; null with fewer than 3 samples or no time span. */
export function slopePerMinute(samples: readonly Sample[]): number | null {
  if (samples.length < 3) return null;
  const n = samples.length;
  const mx = samples.reduce((s, p) => s + p.atMs, 0) / n;
  const my = samples.reduce((s, p) => s + p.value, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const p of samples) {
    sxy += (p.atMs - mx) * (p.value - my);
    sxx += (p.atMs - mx) ** 2;
  }
  return sxx === 0 ? null : (sxy / sxx) * 60000;
}

/** The bounds a slope is judged by (bytes per minute), and the shortest fit judged. */
export const LEAK_BOUNDS = { heapBytesPerMin: 1024 * 1024, rssBytesPerMin: 4 * 1024 * 1024, minSpanMs: 10 * 60000 } as const;

export interface MemorySeries {
  /** Samples of one process incarnation (a restart starts a new series). */
  heap: Sample[];
  rss: Sample[];
}

export interface MemoryVerdict {
  heapSlopeMiBPerMin: number | null;
  rssSlopeMiBPerMin: number | null;
  spanMin: number;
  /** null when the fit spans less than the bound's minimum (too short to tell growth from warm-up). */
  leak: boolean | null;
}

const MiB = 1024 * 1024;
const round = (x: number | null) => (x === null ? null : Math.round((x / MiB) * 1000) / 1000);

/** A service's verdict from its longest-lived incarnation, samples before `fromMs` left out. */
export function memoryVerdict(incarnations: readonly MemorySeries[], fromMs: number, bounds = LEAK_BOUNDS): MemoryVerdict {
  const fits = incarnations.map((s) => ({ heap: s.heap.filter((p) => p.atMs >= fromMs), rss: s.rss.filter((p) => p.atMs >= fromMs) }));
  const span = (s: Sample[]) => (s.length > 1 ? s[s.length - 1].atMs - s[0].atMs : 0);
  const best = fits.reduce<MemorySeries | undefined>((b, s) => (!b || span(s.heap) > span(b.heap) ? s : b), undefined);
  if (!best) return { heapSlopeMiBPerMin: null, rssSlopeMiBPerMin: null, spanMin: 0, leak: null };
  const heap = slopePerMinute(best.heap);
  const rss = slopePerMinute(best.rss);
  const spanMs = span(best.heap);
  const leak = spanMs < bounds.minSpanMs || heap === null ? null : heap > bounds.heapBytesPerMin || (rss ?? 0) > bounds.rssBytesPerMin;
  return { heapSlopeMiBPerMin: round(heap), rssSlopeMiBPerMin: round(rss), spanMin: Math.round((spanMs / 60000) * 100) / 100, leak };
}
