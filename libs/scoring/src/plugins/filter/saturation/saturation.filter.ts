// Drops endpoints whose queue or KV cache is past a threshold; when every candidate is saturated it
// keeps them all (or none, for a profile that must not overload, like P/D's prefill).
import { SATURATION_DEFAULTS, isSaturated as pastThresholds } from '@llmd/autoscaling';
import { z } from 'zod';
import type { CycleState, Endpoint, Filter, PluginDescriptor, SchedulingRequest, TypedName } from '../../../framework';

export const SATURATION_FILTER = 'saturation-filter';

export interface SaturationFilterParams {
  /** Waiting requests at which an endpoint is saturated. @default 5 (SATURATION_DEFAULTS.queueLengthThreshold) */
  queueDepthThreshold: number;
  /** KV-cache usage at which an endpoint is saturated. @default 0.8 (SATURATION_DEFAULTS.kvCacheThreshold) */
  kvCacheUsageThreshold: number;
  /** Keep every candidate when all are saturated (instead of none). @default true */
  keepAllWhenSaturated: boolean;
}

/** Whether a load figure (an endpoint's metrics) is past either threshold; flow control uses it too. */
export function isSaturated(load: { waiting: number; kvCacheUsage: number }, p: Pick<SaturationFilterParams, 'queueDepthThreshold' | 'kvCacheUsageThreshold'>): boolean {
  return pastThresholds(load, { queueLengthThreshold: p.queueDepthThreshold, kvCacheThreshold: p.kvCacheUsageThreshold });
}

export class SaturationFilter implements Filter {
  constructor(
    private readonly name: string,
    private readonly params: SaturationFilterParams,
  ) {}

  typedName(): TypedName {
    return { type: SATURATION_FILTER, name: this.name };
  }

  filter(_state: CycleState, _request: SchedulingRequest, endpoints: readonly Endpoint[]): readonly Endpoint[] {
    const ok = endpoints.filter((e) => !isSaturated(e.metrics, this.params));
    if (ok.length > 0 || endpoints.length === 0) return ok;
    return this.params.keepAllWhenSaturated ? endpoints : [];
  }
}

export const saturationFilterDescriptor = {
  type: SATURATION_FILTER,
  params: z
    .object({
      queueDepthThreshold: z.number().int().min(1).default(SATURATION_DEFAULTS.queueLengthThreshold),
      kvCacheUsageThreshold: z.number().gt(0).max(1).default(SATURATION_DEFAULTS.kvCacheThreshold),
      keepAllWhenSaturated: z.boolean().default(true),
    })
    .strict(),
  create: (name, params) => new SaturationFilter(name, params),
} satisfies PluginDescriptor<SaturationFilterParams>;
