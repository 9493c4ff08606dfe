// Picks the highest-scoring endpoint; ties are broken at random so equal endpoints share the load.
import { z } from 'zod';
import type { CycleState, Picker, PluginDeps, PluginDescriptor, ProfileResult, ScoredEndpoint, SchedulingRequest, TypedName } from '../../../framework';

export const MAX_SCORE_PICKER = 'max-score-picker';

export interface MaxScorePickerParams {
  /** How many ranked targets to return (the first is the pick; the rest are fallbacks). @default 3 */
  maxTargets: number;
}

export class MaxScorePicker implements Picker {
  constructor(
    private readonly name: string,
    private readonly params: MaxScorePickerParams,
    private readonly random: PluginDeps['random'],
  ) {}

  typedName(): TypedName {
    return { type: MAX_SCORE_PICKER, name: this.name };
  }

  pick(_state: CycleState, _request: SchedulingRequest, scored: readonly ScoredEndpoint[]): ProfileResult {
    // Shuffle first so that the stable sort breaks ties at random.
    const shuffled = [...scored];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
    }
    shuffled.sort((a, b) => b.score - a.score);
    return { targets: shuffled.slice(0, this.params.maxTargets).map((s) => s.endpoint) };
  }
}

export const maxScorePickerDescriptor = {
  type: MAX_SCORE_PICKER,
  params: z.object({ maxTargets: z.number().int().min(1).default(3) }).strict(),
  create: (name, params, deps) => new MaxScorePicker(name, params, deps.random),
} satisfies PluginDescriptor<MaxScorePickerParams>;
