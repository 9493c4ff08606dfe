// Score helpers shared by the scorers.
import type { PromptDigest } from '@llmd/prefix-hash';
import type { CycleState, Endpoint, Scorer, SchedulingRequest } from '../../framework';

/** Min-max normalised into `out` by position, so that the lowest value scores 1 and the highest 0; all equal -> all 1. */
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

/** `Scorer.score` of a scorer that writes its scores by position (`scoreInto`): the same scores, as a Map. */
export function scoresByEndpoint(scorer: Required<Pick<Scorer, 'scoreInto'>>, state: CycleState, request: SchedulingRequest, endpoints: readonly Endpoint[]): Map<string, number> {
  const scores = new Float64Array(endpoints.length);
  scorer.scoreInto(state, request, endpoints, scores);
  const m = new Map<string, number>();
  for (let i = 0; i < endpoints.length; i++) m.set(endpoints[i].id, scores[i]);
  return m;
}

/** Rough prompt length in tokens from its characters (no tokenizer on the hot path), or from the caller's digest when the text was not sent. */
export function estimateTokens(request: { prompt: string; promptTokenIds?: readonly number[]; digest?: PromptDigest }, charsPerToken: number): number {
  if (request.promptTokenIds) return request.promptTokenIds.length;
  const { digest } = request;
  if (digest && request.prompt.length === 0) return digest.tokens ? digest.promptLength : Math.ceil(digest.promptLength / charsPerToken);
  return Math.ceil(request.prompt.length / charsPerToken);
}
