// Prefers endpoints that hold the prompt's prefix, asking the precise KV-block index (cache-manager,
// fed by the pods' own KV events). When the index is down or late it falls back to the approximate
// index it keeps alongside, and counts the fallback.
import { z } from 'zod';
import { stateKey, type CycleState, type Endpoint, type PluginDeps, type PluginDescriptor, type PostPick, type PrefixCacheLookup, type Prefetcher, type Preparer, type Scorer, type SchedulingRequest, type SchedulingResult, type TypedName } from '../../../framework';
import type { ApproxPrefixParams } from '../../shared/approx-prefix-matcher';
import { PREFIX_MATCH } from '../../shared/prefix-state';
import { ApproxPrefixCacheScorer, approxPrefixParamsSchema } from '../approx-prefix-cache/approx-prefix-cache.scorer';

export const PRECISE_PREFIX_CACHE_SCORER = 'precise-prefix-cache-scorer';

export interface PrecisePrefixParams extends ApproxPrefixParams {
  /** How long a lookup may take before the approximate index answers instead. @default 50 */
  timeoutMs: number;
}

/** The precise index's answer for this cycle, or why there is none. */
const PRECISE_LOOKUP = stateKey<{ scores: ReadonlyMap<string, number> } | { failed: string }>('precise-prefix-lookup');

export class PrecisePrefixCacheScorer implements Scorer, Prefetcher, Preparer, PostPick {
  readonly category = 'affinity' as const;
  /** The approximate index kept alongside, for when the precise one cannot answer. */
  private readonly approx: ApproxPrefixCacheScorer;

  constructor(
    private readonly name: string,
    private readonly precise: PrecisePrefixParams,
    private readonly lookup: PrefixCacheLookup | undefined,
    private readonly countFallback: (reason: string) => void,
  ) {
    this.approx = new ApproxPrefixCacheScorer(name, precise);
  }

  typedName(): TypedName {
    return { type: PRECISE_PREFIX_CACHE_SCORER, name: this.name };
  }

  prepare(state: CycleState, request: SchedulingRequest, endpoints: readonly Endpoint[]): void {
    this.approx.prepare(state, request, endpoints);
  }

  onPicked(state: CycleState, request: SchedulingRequest, result: SchedulingResult): void {
    this.approx.onPicked(state, request, result);
    // The index learns of the pick at once (speculative entries), before the pod's KV events arrive.
    for (const r of Object.values(result.profileResults)) if (r.targets[0]) this.lookup?.recordPick?.(request, r.targets[0].id);
  }

  /** Asks the index before the cycle (the only I/O), for every endpoint known at the time. */
  async prefetch(state: CycleState, request: SchedulingRequest, endpoints: readonly Endpoint[]): Promise<void> {
    if (!this.lookup) return state.write(PRECISE_LOOKUP, { failed: 'no-index' });
    try {
      state.write(PRECISE_LOOKUP, { scores: await this.lookup.score(request, endpoints.map((e) => e.id), this.precise.timeoutMs) });
    } catch (err) {
      state.write(PRECISE_LOOKUP, { failed: (err as { reason?: string }).reason ?? 'unavailable' });
    }
  }

  score(state: CycleState, request: SchedulingRequest, endpoints: readonly Endpoint[]): ReadonlyMap<string, number> {
    const lookup = state.read(PRECISE_LOOKUP) ?? { failed: 'not-prefetched' };
    if ('failed' in lookup) {
      this.countFallback(lookup.failed);
      return this.approx.score(state, request, endpoints);
    }
    const { scores } = lookup;
    // Later readers (the P/D decider, predicted latency) see the precise figures.
    const approx = state.read(PREFIX_MATCH);
    const total = Math.max(1, approx?.totalChunks ?? 1);
    state.write(PREFIX_MATCH, { totalChunks: total, chunkSize: approx?.chunkSize ?? 1, matched: new Map(endpoints.map((e) => [e.id, Math.round((scores.get(e.id) ?? 0) * total)])) });
    return scores;
  }
}

export const precisePrefixCacheScorerDescriptor = {
  type: PRECISE_PREFIX_CACHE_SCORER,
  params: approxPrefixParamsSchema.extend({ timeoutMs: z.number().int().min(1).default(50) }).strict(),
  create: (name, params, deps: PluginDeps) => new PrecisePrefixCacheScorer(name, params, deps.prefixCache, deps.countFallback ?? (() => undefined)),
} satisfies PluginDescriptor<PrecisePrefixParams>;
