// Score helpers shared by the load scorers.
import type { Endpoint } from '../../framework';

/** Min-max normalised so that the lowest value scores 1 and the highest 0; all equal -> all 1. */
export function inverseMinMax(endpoints: readonly Endpoint[], value: (e: Endpoint) => number): Map<string, number> {
  return scoresToMap(endpoints, inverseMinMaxInto(endpoints, value, new Float64Array(endpoints.length)));
}

/** As inverseMinMax, into `out` by position. */
export function inverseMinMaxInto(endpoints: readonly Endpoint[], value: (e: Endpoint) => number, out: Float64Array): Float64Array {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < endpoints.length; i++) {
    const v = value(endpoints[i]);
    out[i] = v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const range = max - min;
  for (let i = 0; i < endpoints.length; i++) out[i] = range === 0 ? 1 : (max - out[i]) / range;
  return out;
}

/** Scores by position as the Map `Scorer.score` returns. */
export function scoresToMap(endpoints: readonly Endpoint[], scores: Float64Array): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i < endpoints.length; i++) m.set(endpoints[i].id, scores[i]);
  return m;
}

/** Rough prompt length in tokens from its characters (no tokenizer on the hot path). */
export function estimateTokens(request: { prompt: string; promptTokenIds?: ArrayLike<number> }, charsPerToken: number): number {
  return request.promptTokenIds?.length ?? Math.ceil(request.prompt.length / charsPerToken);
}
