// Prefers endpoints that hold the prompt's prefix, asking the precise KV-block index (cache-manager,
// fed by the pods' own KV events). When the index is down or late it falls back to the approximate
// index it keeps alongside, and counts the fallback.
import { z } from 'zod';
import { stateKey, type CycleState, type Endpoint, type PluginDeps, type PluginDescriptor, type PostPick, type PrefixCacheLookup, type Prefetcher, type Preparer, type Scorer, type SchedulingRequest, type SchedulingResult, type TypedName } from '../../../framework';
import type { ApproxPrefixParams } from '../../shared/approx-prefix-matcher';
import { scoresByEndpoint } from '../../shared/normalize';
import { PREFIX_MATCH } from '../../shared/prefix-state';
import { ApproxPrefixCacheScorer, approxPrefixParamsSchema } from '../approx-prefix-cache/approx-prefix-cache.scorer';
import { adapterTarget, type AdapterTarget } from '../lora-affinity/adapter-target';

export const PRECISE_PREFIX_CACHE_SCORER = 'precise-prefix-cache-scorer';

export interface PrecisePrefixParams extends ApproxPrefixParams {
  /** How long a lookup may take before the approximate index answers instead. @default 50 */
  timeoutMs: number;
}

/**
 * The precise index as this scorer asks it: with the request's base model and LoRA adapter resolved
 * from what the endpoints serve (an adapter's blocks are keyed by its name; without it every LoRA
 * request would miss). A lookup that ignores the target still fits.
 */
export interface TargetedPrefixCacheLookup extends PrefixCacheLookup {
  score(request: SchedulingRequest, endpointIds: readonly string[], deadlineMs: number, target?: AdapterTarget): Promise<ReadonlyMap<string, number>>;
  recordPick?(request: SchedulingRequest, endpointId: string, target?: AdapterTarget): void;
}

/** The precise index's answer for this cycle, or why there is none. */
const PRECISE_LOOKUP = stateKey<{ scores: ReadonlyMap<string, number> } | { failed: string }>('precise-prefix-lookup');
/** The base model and adapter the request was looked up under (the pick is recorded under the same). */
const PRECISE_TARGET = stateKey<AdapterTarget>('precise-prefix-target');

export class PrecisePrefixCacheScorer implements Scorer, Prefetcher, Preparer, PostPick {
  readonly category = 'affinity' as const;
  /** The approximate index kept alongside, for when the precise one cannot answer. */
  private readonly approx: ApproxPrefixCacheScorer;

  constructor(
    private readonly name: string,
    private readonly precise: PrecisePrefixParams,
    private readonly lookup: TargetedPrefixCacheLookup | undefined,
    private readonly countFallback: (reason: string) => void,
  ) {
    this.approx = new ApproxPrefixCacheScorer(name, precise);
  }

  typedName(): TypedName {
    return { type: PRECISE_PREFIX_CACHE_SCORER, name: this.name };
  }

  /**
   * Runs after the prefetch. With the index's answer in hand, the approximate index only hashes the
   * prompt (to record the pick) and the filters, the P/D decider and predicted latency read the
   * precise figures; without it, the approximate index matches as its own scorer does.
   */
  prepare(state: CycleState, request: SchedulingRequest, endpoints: readonly Endpoint[]): void {
    const lookup = state.read(PRECISE_LOOKUP);
    if (!lookup || 'failed' in lookup) return this.approx.prepare(state, request, endpoints);
    const { hashes, chunkSize } = this.approx.prepareHashes(state, request);
    const total = Math.max(1, hashes.length);
    const matched = new Map<string, number>();
    for (const e of endpoints) matched.set(e.id, Math.round((lookup.scores.get(e.id) ?? 0) * total));
    state.write(PREFIX_MATCH, { totalChunks: total, chunkSize, matched });
  }

  onPicked(state: CycleState, request: SchedulingRequest, result: SchedulingResult): void {
    this.approx.onPicked(state, request, result);
    // The index learns of the pick at once (speculative entries), before the pod's KV events arrive.
    const target = state.read(PRECISE_TARGET) ?? { model: request.model };
    for (const r of Object.values(result.profileResults)) if (r.targets[0]) this.lookup?.recordPick?.(request, r.targets[0].id, target);
  }

  /** Asks the index before the cycle (the only I/O), for every endpoint known at the time. */
  async prefetch(state: CycleState, request: SchedulingRequest, endpoints: readonly Endpoint[]): Promise<void> {
    if (!this.lookup) return state.write(PRECISE_LOOKUP, { failed: 'no-index' });
    const target = adapterTarget(request.model, endpoints);
    state.write(PRECISE_TARGET, target);
    try {
      state.write(PRECISE_LOOKUP, { scores: await this.lookup.score(request, endpoints.map((e) => e.id), this.precise.timeoutMs, target) });
    } catch (err) {
      state.write(PRECISE_LOOKUP, { failed: (err as { reason?: string }).reason ?? 'unavailable' });
    }
  }

  score(state: CycleState, request: SchedulingRequest, endpoints: readonly Endpoint[]): ReadonlyMap<string, number> {
    return scoresByEndpoint(this, state, request, endpoints);
  }

  /** PREFIX_MATCH already holds the precise figures (prepare); without them the approximate index answers. */
  scoreInto(state: CycleState, request: SchedulingRequest, endpoints: readonly Endpoint[], out: Float64Array): void {
    const lookup = state.read(PRECISE_LOOKUP) ?? { failed: 'not-prefetched' };
    if ('failed' in lookup) {
      this.countFallback(lookup.failed);
      return this.approx.scoreInto(state, request, endpoints, out);
    }
    for (let i = 0; i < endpoints.length; i++) out[i] = lookup.scores.get(endpoints[i].id) ?? 0;
  }
}

export const precisePrefixCacheScorerDescriptor = {
  type: PRECISE_PREFIX_CACHE_SCORER,
  params: approxPrefixParamsSchema.extend({ timeoutMs: z.number().int().min(1).default(50) }).strict(),
  create: (name, params, deps: PluginDeps) => new PrecisePrefixCacheScorer(name, params, deps.prefixCache, deps.countFallback ?? (() => undefined)),
} satisfies PluginDescriptor<PrecisePrefixParams>;
