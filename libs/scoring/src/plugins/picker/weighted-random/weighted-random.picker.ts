// Picks at random with probability proportional to score: load spreads in proportion to preference
// instead of every request of a burst going to the one best endpoint.
import { z } from 'zod';
import type { CycleState, Picker, PluginDeps, PluginDescriptor, ProfileResult, ScoredEndpoint, SchedulingRequest, TypedName } from '../../../framework';

export const WEIGHTED_RANDOM_PICKER = 'weighted-random-picker';

export interface WeightedRandomParams {
  /** Targets returned (the first is the pick; the others, drawn without replacement, are fallbacks). @default 3 */
  maxTargets: number;
}

export class WeightedRandomPicker implements Picker {
  constructor(
    private readonly name: string,
    private readonly params: WeightedRandomParams,
    private readonly random: () => number,
  ) {}

  typedName(): TypedName {
    return { type: WEIGHTED_RANDOM_PICKER, name: this.name };
  }

  pick(_state: CycleState, _request: SchedulingRequest, scored: readonly ScoredEndpoint[]): ProfileResult {
    const pool = [...scored];
    const targets = [];
    while (pool.length > 0 && targets.length < this.params.maxTargets) {
      // A small floor keeps zero-scored endpoints reachable when every score is zero.
      const weights = pool.map((s) => Math.max(s.score, 1e-6));
      let r = this.random() * weights.reduce((a, b) => a + b, 0);
      let i = 0;
      while (i < pool.length - 1 && r >= weights[i]) r -= weights[i++];
      targets.push(pool[i].endpoint);
      pool.splice(i, 1);
    }
    return { targets };
  }
}

export const weightedRandomPickerDescriptor = {
  type: WEIGHTED_RANDOM_PICKER,
  params: z.object({ maxTargets: z.number().int().min(1).default(3) }).strict(),
  create: (name, params, deps: PluginDeps) => new WeightedRandomPicker(name, params, deps.random),
} satisfies PluginDescriptor<WeightedRandomParams>;
