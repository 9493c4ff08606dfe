// What one finished request counts for each pool that served it. A disaggregated request reaches a
// prefill pool and a decode pool; the record of it is the decode side's, whose cached count includes
// the KV it pulled from the prefill pod.
import type { PoolRole, RequestSample } from '../types';

/**
 * One finished request as the gateway records it: a sample whose `cachedTokens` is what the
 * client-facing (decode) response reports, and which says whether a prefill pod computed the prompt.
 */
export interface FinishedRequest extends Omit<RequestSample, 'remotePrefill'> {
  /** Whether a prefill pod computed the prompt (a P/D request). */
  viaPrefill: boolean;
  /** Prompt tokens the prefill pod found in its own prefix cache, when known. */
  prefillCachedTokens?: number;
}

/**
 * The sample a pool of `role` records for a request it served. A prefill pool counts the prefill
 * pod's own cache hits (0 when unknown: the decode side's count is the pulled KV, and would size the
 * pool for one-token prefills); a decode pool marks a request prefilled elsewhere, so only the
 * prompts it prefilled itself (short ones under a partial split, or ones a saturated prefill pool
 * passed on) count as its prefill work.
 */
export function poolSample(role: PoolRole, r: FinishedRequest): RequestSample {
  const base = { endMs: r.endMs, ttftMs: r.ttftMs, itlMs: r.itlMs, promptTokens: r.promptTokens, outputTokens: r.outputTokens };
  if (role === 'prefill') return { ...base, cachedTokens: Math.min(r.promptTokens, r.prefillCachedTokens ?? 0) };
  if (role === 'decode' && r.viaPrefill) return { ...base, cachedTokens: r.cachedTokens, remotePrefill: true };
  return { ...base, cachedTokens: r.cachedTokens };
}
