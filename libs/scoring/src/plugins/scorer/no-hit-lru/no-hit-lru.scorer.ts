// Spreads cold prompts: a prompt no endpoint holds any prefix of goes preferably to the endpoint that
// received a cold prompt least recently, so new prefixes seed different caches instead of piling up.
import { z } from 'zod';
import type { CycleState, Endpoint, PluginDescriptor, PostPick, Scorer, SchedulingRequest, SchedulingResult, TypedName } from '../../../framework';
import { PREFIX_MATCH } from '../../shared/prefix-state';

export const NO_HIT_LRU_SCORER = 'no-hit-lru-scorer';

export class NoHitLruScorer implements Scorer, PostPick {
  readonly category = 'distribution' as const;
  /** Endpoint ids in order of their last cold prompt, least recent first. */
  private readonly lru = new Map<string, true>();

  constructor(private readonly name: string) {}

  typedName(): TypedName {
    return { type: NO_HIT_LRU_SCORER, name: this.name };
  }

  score(state: CycleState, _request: SchedulingRequest, endpoints: readonly Endpoint[]): ReadonlyMap<string, number> {
    if (!isCold(state)) return new Map(endpoints.map((e) => [e.id, 1]));
    // Never-used endpoints first (rank 0), then by age of their last cold prompt.
    const order = [...this.lru.keys()];
    const rank = (id: string) => (this.lru.has(id) ? 1 + order.indexOf(id) : 0);
    const ranks = endpoints.map((e) => rank(e.id));
    const max = Math.max(...ranks);
    return new Map(endpoints.map((e, i) => [e.id, max === 0 ? 1 : 1 - ranks[i] / (max + 1)]));
  }

  onPicked(state: CycleState, _request: SchedulingRequest, result: SchedulingResult): void {
    if (!isCold(state)) return;
    const target = result.profileResults[result.primaryProfile]?.targets[0];
    if (!target) return;
    this.lru.delete(target.id);
    this.lru.set(target.id, true);
  }
}

function isCold(state: CycleState): boolean {
  const m = state.read(PREFIX_MATCH);
  if (!m) return true;
  for (const v of m.matched.values()) if (v > 0) return false;
  return true;
}

export const noHitLruScorerDescriptor = {
  type: NO_HIT_LRU_SCORER,
  params: z.object({}).strict(),
  create: (name) => new NoHitLruScorer(name),
} satisfies PluginDescriptor<Record<string, never>>;
