// Keeps the endpoints that serve the requested model, as a base model or a loaded LoRA adapter.
import { z } from 'zod';
import type { CycleState, Endpoint, Filter, PluginDescriptor, SchedulingRequest, TypedName } from '../../../framework';

export const SERVES_MODEL_FILTER = 'serves-model-filter';

export class ServesModelFilter implements Filter {
  constructor(private readonly name: string) {}

  typedName(): TypedName {
    return { type: SERVES_MODEL_FILTER, name: this.name };
  }

  filter(_state: CycleState, request: SchedulingRequest, endpoints: readonly Endpoint[]): readonly Endpoint[] {
    return endpoints.filter((e) => e.models.includes(request.model) || e.loraAdapters.includes(request.model));
  }
}

export const servesModelFilterDescriptor = {
  type: SERVES_MODEL_FILTER,
  params: z.object({}).strict(),
  create: (name) => new ServesModelFilter(name),
} satisfies PluginDescriptor<Record<string, never>>;
