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
    // One pass keeping the best maxTargets, ordered by score and then by a random key per endpoint:
    // ties fall in a uniformly random order, without shuffling or sorting every candidate.
    const k = Math.min(this.params.maxTargets, scored.length);
    const top: ScoredEndpoint[] = [];
    const keys: number[] = [];
    for (const s of scored) {
      const key = this.random();
      let pos = top.length;
      while (pos > 0 && (top[pos - 1].score < s.score || (top[pos - 1].score === s.score && keys[pos - 1] < key))) pos--;
      if (pos >= k) continue;
      top.splice(pos, 0, s);
      keys.splice(pos, 0, key);
      if (top.length > k) {
        top.pop();
        keys.pop();
      }
    }
    return { targets: top.map((s) => s.endpoint) };
  }
}

export const maxScorePickerDescriptor = {
  type: MAX_SCORE_PICKER,
  params: z.object({ maxTargets: z.number().int().min(1).default(3) }).strict(),
  create: (name, params, deps) => new MaxScorePicker(name, params, deps.random),
} satisfies PluginDescriptor<MaxScorePickerParams>;
