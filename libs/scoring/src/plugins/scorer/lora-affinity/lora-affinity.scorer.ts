// Prefers endpoints where the requested LoRA adapter is already active, then ones with a free slot.
import { z } from 'zod';
import type { CycleState, Endpoint, PluginDescriptor, Scorer, SchedulingRequest, TypedName } from '../../../framework';
import { scoresByEndpoint } from '../../shared/normalize';

// Which base model and adapter a request names: the precise prefix index keys adapters' blocks by it.
export * from './adapter-target';

export const LORA_AFFINITY_SCORER = 'lora-affinity-scorer';

export class LoraAffinityScorer implements Scorer {
  readonly category = 'affinity' as const;

  constructor(private readonly name: string) {}

  typedName(): TypedName {
    return { type: LORA_AFFINITY_SCORER, name: this.name };
  }

  score(state: CycleState, request: SchedulingRequest, endpoints: readonly Endpoint[]): ReadonlyMap<string, number> {
    return scoresByEndpoint(this, state, request, endpoints);
  }

  scoreInto(_state: CycleState, request: SchedulingRequest, endpoints: readonly Endpoint[], out: Float64Array): void {
    for (let i = 0; i < endpoints.length; i++) out[i] = this.affinity(endpoints[i], request.model);
  }

  private affinity(e: Endpoint, model: string): number {
    // A base-model request needs no adapter: every endpoint is as good.
    if (!e.loraAdapters.includes(model)) return 1;
    const { loraRunning = [], loraWaiting = [], maxLoras = 1 } = e.metrics;
    if (loraRunning.includes(model)) return 1;
    if (loraWaiting.includes(model)) return 0.8;
    const active = new Set([...loraRunning, ...loraWaiting]).size;
    return active < maxLoras ? 0.5 : 0;
  }
}

export const loraAffinityScorerDescriptor = {
  type: LORA_AFFINITY_SCORER,
  params: z.object({}).strict(),
  create: (name) => new LoraAffinityScorer(name),
} satisfies PluginDescriptor<Record<string, never>>;
