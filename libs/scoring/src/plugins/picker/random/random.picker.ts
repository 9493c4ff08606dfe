// Picks uniformly at random, ignoring scores: the other baseline of routing studies.
import { z } from 'zod';
import type { CycleState, Picker, PluginDeps, PluginDescriptor, ProfileResult, ScoredEndpoint, SchedulingRequest, TypedName } from '../../../framework';

export const RANDOM_PICKER = 'random-picker';

export interface RandomPickerParams {
  /** How many distinct targets to return. @default 3 */
  maxTargets: number;
}

export class RandomPicker implements Picker {
  constructor(
    private readonly name: string,
    private readonly params: RandomPickerParams,
    private readonly random: PluginDeps['random'],
  ) {}

  typedName(): TypedName {
    return { type: RANDOM_PICKER, name: this.name };
  }

  pick(_state: CycleState, _request: SchedulingRequest, scored: readonly ScoredEndpoint[]): ProfileResult {
    const pool = scored.map((s) => s.endpoint);
    const n = Math.min(this.params.maxTargets, pool.length);
    // A partial Fisher-Yates shuffle: the first n are a uniform sample.
    for (let i = 0; i < n; i++) {
      const j = i + Math.floor(this.random() * (pool.length - i));
      [pool[i], pool[j]] = [pool[j], pool[i]];
    }
    return { targets: pool.slice(0, n) };
  }
}

export const randomPickerDescriptor = {
  type: RANDOM_PICKER,
  params: z.object({ maxTargets: z.number().int().min(1).default(3) }).strict(),
  create: (name, params, deps) => new RandomPicker(name, params, deps.random),
} satisfies PluginDescriptor<RandomPickerParams>;
