// When some endpoints hold a good share of the prompt's prefix, keeps only those, unless they are
// overloaded: cache hits first, but never onto a pile-up.
import { z } from 'zod';
import type { CycleState, Endpoint, Filter, PluginDescriptor, SchedulingRequest, TypedName } from '../../../framework';
import { matchRatio, PREFIX_MATCH } from '../../shared/prefix-state';

export const PREFIX_AFFINITY_FILTER = 'prefix-affinity-filter';

export interface PrefixAffinityFilterParams {
  /** Share of the prompt an endpoint must hold to count as a good hit. @default 0.5 */
  minMatchRatio: number;
  /** A good-hit endpoint with this many waiting requests is overloaded and not preferred. @default 8 */
  maxQueueDepth: number;
}

export class PrefixAffinityFilter implements Filter {
  constructor(
    private readonly name: string,
    private readonly params: PrefixAffinityFilterParams,
  ) {}

  typedName(): TypedName {
    return { type: PREFIX_AFFINITY_FILTER, name: this.name };
  }

  filter(state: CycleState, _request: SchedulingRequest, endpoints: readonly Endpoint[]): readonly Endpoint[] {
    const m = state.read(PREFIX_MATCH);
    const good = endpoints.filter((e) => matchRatio(m, e.id) >= this.params.minMatchRatio && e.metrics.waiting < this.params.maxQueueDepth);
    return good.length > 0 ? good : endpoints;
  }
}

export const prefixAffinityFilterDescriptor = {
  type: PREFIX_AFFINITY_FILTER,
  params: z.object({ minMatchRatio: z.number().gt(0).max(1).default(0.5), maxQueueDepth: z.number().int().min(1).default(8) }).strict(),
  create: (name, params) => new PrefixAffinityFilter(name, params),
} satisfies PluginDescriptor<PrefixAffinityFilterParams>;
