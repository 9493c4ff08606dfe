// Prefers endpoints with more free KV cache: score = 1 - vllm:kv_cache_usage_perc.
import type { CycleState, Endpoint, Scorer, SchedulingRequest, TypedName } from '../../../framework';
import { loadScorerDescriptor } from '../../shared/load-scorer';
import { scoresByEndpoint } from '../../shared/normalize';

export const KV_CACHE_UTILIZATION_SCORER = 'kv-cache-utilization-scorer';

export class KvCacheUtilizationScorer implements Scorer {
  readonly category = 'distribution' as const;

  constructor(private readonly name: string) {}

  typedName(): TypedName {
    return { type: KV_CACHE_UTILIZATION_SCORER, name: this.name };
  }

  score(state: CycleState, request: SchedulingRequest, endpoints: readonly Endpoint[]): ReadonlyMap<string, number> {
    return scoresByEndpoint(this, state, request, endpoints);
  }

  scoreInto(_state: CycleState, _request: SchedulingRequest, endpoints: readonly Endpoint[], out: Float64Array): void {
    for (let i = 0; i < endpoints.length; i++) out[i] = 1 - endpoints[i].metrics.kvCacheUsage;
  }
}

export const kvCacheUtilizationScorerDescriptor = loadScorerDescriptor(KV_CACHE_UTILIZATION_SCORER, (name) => new KvCacheUtilizationScorer(name));
