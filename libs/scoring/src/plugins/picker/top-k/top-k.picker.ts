// Picks at random among the best k endpoints (those within `jitter` of the best score count as tied
// with it): near-equal endpoints share the load instead of the one that is 0.1% ahead taking it all.
import { z } from 'zod';
import type { CycleState, Picker, PluginDeps, PluginDescriptor, ProfileResult, ScoredEndpoint, SchedulingRequest, TypedName } from '../../../framework';

export const TOP_K_PICKER = 'top-k-picker';

export interface TopKParams {
  /** The pick is drawn among at most this many best endpoints. @default 2 */
  k: number;
  /** Only endpoints within this of the best score are candidates for the draw. @default 0.1 */
  jitter: number;
  /** Targets returned. @default 3 */
  maxTargets: number;
}

export class TopKPicker implements Picker {
  constructor(
    private readonly name: string,
    private readonly params: TopKParams,
    private readonly random: () => number,
  ) {}

  typedName(): TypedName {
    return { type: TOP_K_PICKER, name: this.name };
  }

  pick(_state: CycleState, _request: SchedulingRequest, scored: readonly ScoredEndpoint[]): ProfileResult {
    const ranked = [...scored].sort((a, b) => b.score - a.score);
    if (ranked.length === 0) return { targets: [] };
    const best = ranked[0].score;
    const pool = ranked.slice(0, this.params.k).filter((s) => best - s.score <= this.params.jitter);
    const first = pool[Math.floor(this.random() * pool.length)];
    const rest = ranked.filter((s) => s !== first);
    return { targets: [first, ...rest].slice(0, this.params.maxTargets).map((s) => s.endpoint) };
  }
}

export const topKPickerDescriptor = {
  type: TOP_K_PICKER,
  params: z.object({ k: z.number().int().min(1).default(2), jitter: z.number().min(0).default(0.1), maxTargets: z.number().int().min(1).default(3) }).strict(),
  create: (name, params, deps: PluginDeps) => new TopKPicker(name, params, deps.random),
} satisfies PluginDescriptor<TopKParams>;
