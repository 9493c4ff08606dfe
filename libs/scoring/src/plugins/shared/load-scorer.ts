// Base of the load scorers: each prefers endpoints with less of one load figure.
import { z } from 'zod';
import type { CycleState, Endpoint, PluginDescriptor, Scorer, SchedulingRequest, TypedName } from '../../framework';
import { inverseMinMaxInto, scoresByEndpoint } from './normalize';

export abstract class LoadScorer implements Scorer {
  readonly category = 'distribution' as const;
  abstract readonly type: string;

  constructor(private readonly name: string) {}

  typedName(): TypedName {
    return { type: this.type, name: this.name };
  }

  /** The load figure; lower is better. */
  protected abstract load(e: Endpoint): number;

  score(state: CycleState, request: SchedulingRequest, endpoints: readonly Endpoint[]): ReadonlyMap<string, number> {
    return scoresByEndpoint(this, state, request, endpoints);
  }

  scoreInto(_state: CycleState, _request: SchedulingRequest, endpoints: readonly Endpoint[], out: Float64Array): void {
    inverseMinMaxInto(endpoints, (e) => this.load(e), out);
  }
}

/** A descriptor for a load scorer without parameters. */
export function loadScorerDescriptor(type: string, make: (name: string) => Scorer): PluginDescriptor<Record<string, never>> {
  return { type, params: z.object({}).strict(), create: (name) => make(name) };
}
