// Prefers endpoints that already hold the prompt's prefix, by the scheduler's own record of what it
// routed where (no tokenizer, no call to the pods): score = matched chunks / prompt chunks.
import { z } from 'zod';
import type { CycleState, Endpoint, PluginDescriptor, PostPick, Preparer, Scorer, SchedulingRequest, SchedulingResult, TypedName } from '../../../framework';
import { stateKey } from '../../../framework';
import { ApproxPrefixMatcher, ApproxPrefixParams, pickedEndpoints } from '../../shared/approx-prefix-matcher';
import { scoresByEndpoint } from '../../shared/normalize';
import { matchRatio, PREFIX_MATCH } from '../../shared/prefix-state';

export const APPROX_PREFIX_CACHE_SCORER = 'approx-prefix-cache-scorer';

const HASHES = stateKey<number[]>('approx-prefix-hashes');

export const approxPrefixParamsSchema = z
  .object({
    chunkSize: z.number().int().min(1).default(64),
    tokenChunkSize: z.number().int().min(1).default(16),
    maxChunks: z.number().int().min(1).default(256),
    lruCapacityPerEndpoint: z.number().int().min(1).default(31250),
  })
  .strict();

export class ApproxPrefixCacheScorer implements Scorer, Preparer, PostPick {
  readonly category = 'affinity' as const;
  readonly matcher: ApproxPrefixMatcher;

  constructor(
    private readonly name: string,
    params: ApproxPrefixParams,
  ) {
    this.matcher = new ApproxPrefixMatcher(params);
  }

  typedName(): TypedName {
    return { type: APPROX_PREFIX_CACHE_SCORER, name: this.name };
  }

  prepare(state: CycleState, request: SchedulingRequest, endpoints: readonly Endpoint[]): void {
    const { hashes, chunkSize } = this.prepareHashes(state, request);
    state.write(PREFIX_MATCH, this.matcher.match(hashes, chunkSize, endpoints));
  }

  /** Hashes the prompt for recording after the pick, without matching it (another index answers). */
  prepareHashes(state: CycleState, request: SchedulingRequest): { hashes: number[]; chunkSize: number } {
    const h = this.matcher.hashes(request);
    state.write(HASHES, h.hashes);
    return h;
  }

  score(state: CycleState, request: SchedulingRequest, endpoints: readonly Endpoint[]): ReadonlyMap<string, number> {
    return scoresByEndpoint(this, state, request, endpoints);
  }

  scoreInto(state: CycleState, _request: SchedulingRequest, endpoints: readonly Endpoint[], out: Float64Array): void {
    const m = state.read(PREFIX_MATCH);
    for (let i = 0; i < endpoints.length; i++) out[i] = matchRatio(m, endpoints[i].id);
  }

  /** Records the prompt on the endpoints it was sent to: they will hold its prefix now. */
  onPicked(state: CycleState, _request: SchedulingRequest, result: SchedulingResult): void {
    const hashes = state.read(HASHES);
    if (hashes && hashes.length > 0) this.matcher.record(pickedEndpoints(result), hashes);
  }
}

export const approxPrefixCacheScorerDescriptor = {
  type: APPROX_PREFIX_CACHE_SCORER,
  params: approxPrefixParamsSchema,
  create: (name, params) => new ApproxPrefixCacheScorer(name, params),
} satisfies PluginDescriptor<ApproxPrefixParams>;
