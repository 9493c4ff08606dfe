// Prefers endpoints with fewer waiting requests, min-max normalised across the candidates.
import { z } from 'zod';
import type { CycleState, Endpoint, PluginDescriptor, Scorer, SchedulingRequest, TypedName } from '../../../framework';

export const QUEUE_DEPTH_SCORER = 'queue-depth-scorer';

export class QueueDepthScorer implements Scorer {
  readonly category = 'distribution' as const;

  constructor(private readonly name: string) {}

  typedName(): TypedName {
    return { type: QUEUE_DEPTH_SCORER, name: this.name };
  }

  score(_state: CycleState, _request: SchedulingRequest, endpoints: readonly Endpoint[]): ReadonlyMap<string, number> {
    let min = Infinity;
    let max = -Infinity;
    for (const e of endpoints) {
      min = Math.min(min, e.metrics.waiting);
      max = Math.max(max, e.metrics.waiting);
    }
    const range = max - min;
    return new Map(endpoints.map((e) => [e.id, range === 0 ? 1 : (max - e.metrics.waiting) / range]));
  }
}

export const queueDepthScorerDescriptor = {
  type: QUEUE_DEPTH_SCORER,
  params: z.object({}).strict(),
  create: (name) => new QueueDepthScorer(name),
} satisfies PluginDescriptor<Record<string, never>>;
