// Keeps endpoints that are reachable and whose metrics are fresh.
import { z } from 'zod';
import type { CycleState, Endpoint, Filter, PluginDeps, PluginDescriptor, SchedulingRequest, TypedName } from '../../../framework';

export const HEALTHY_FILTER = 'healthy-filter';

export interface HealthyFilterParams {
  /** Metrics older than this make an endpoint stale. @default 2000 */
  maxStalenessMs: number;
}

export class HealthyFilter implements Filter {
  constructor(
    private readonly name: string,
    private readonly params: HealthyFilterParams,
    private readonly now: () => number,
  ) {}

  typedName(): TypedName {
    return { type: HEALTHY_FILTER, name: this.name };
  }

  filter(_state: CycleState, _request: SchedulingRequest, endpoints: readonly Endpoint[]): readonly Endpoint[] {
    const now = this.now();
    return endpoints.filter((e) => e.healthy && now - e.metrics.scrapedAtMs <= this.params.maxStalenessMs);
  }
}

export const healthyFilterDescriptor = {
  type: HEALTHY_FILTER,
  params: z.object({ maxStalenessMs: z.number().int().min(1).default(2000) }).strict(),
  create: (name, params, deps: PluginDeps) => new HealthyFilter(name, params, deps.now),
} satisfies PluginDescriptor<HealthyFilterParams>;
