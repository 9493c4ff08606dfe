// Takes the candidates in turn, ignoring scores: the baseline that routing studies compare against.
import { z } from 'zod';
import type { CycleState, Picker, PluginDescriptor, ProfileResult, ScoredEndpoint, SchedulingRequest, TypedName } from '../../../framework';

export const ROUND_ROBIN_PICKER = 'round-robin-picker';

export interface RoundRobinPickerParams {
  /** How many targets to return (the next in turn first). @default 3 */
  maxTargets: number;
}

export class RoundRobinPicker implements Picker {
  private turn = 0;

  constructor(
    private readonly name: string,
    private readonly params: RoundRobinPickerParams,
  ) {}

  typedName(): TypedName {
    return { type: ROUND_ROBIN_PICKER, name: this.name };
  }

  pick(_state: CycleState, _request: SchedulingRequest, scored: readonly ScoredEndpoint[]): ProfileResult {
    if (scored.length === 0) return { targets: [] };
    // A stable order (by id), so the turn means the same endpoint while the fleet does not change.
    const ordered = [...scored].sort((a, b) => (a.endpoint.id < b.endpoint.id ? -1 : a.endpoint.id > b.endpoint.id ? 1 : 0));
    const start = this.turn++ % ordered.length;
    const n = Math.min(this.params.maxTargets, ordered.length);
    return { targets: Array.from({ length: n }, (_, i) => ordered[(start + i) % ordered.length].endpoint) };
  }
}

export const roundRobinPickerDescriptor = {
  type: ROUND_ROBIN_PICKER,
  params: z.object({ maxTargets: z.number().int().min(1).default(3) }).strict(),
  create: (name, params) => new RoundRobinPicker(name, params),
} satisfies PluginDescriptor<RoundRobinPickerParams>;
