// Score helpers shared by the load scorers.
import type { Endpoint } from '../../framework';

/** Min-max normalised so that the lowest value scores 1 and the highest 0; all equal -> all 1. */
export function inverseMinMax(endpoints: readonly Endpoint[], value: (e: Endpoint) => number): Map<string, number> {
  let min = Infinity;
  let max = -Infinity;
  const values = endpoints.map(value);
  for (const v of values) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const range = max - min;
  return new Map(endpoints.map((e, i) => [e.id, range === 0 ? 1 : (max - values[i]) / range]));
}

/** Rough prompt length in tokens from its characters (no tokenizer on the hot path). */
export function estimateTokens(request: { prompt: string; promptTokenIds?: readonly number[] }, charsPerToken: number): number {
  return request.promptTokenIds?.length ?? Math.ceil(request.prompt.length / charsPerToken);
}
