// Prefers endpoints with less prefill work ahead of this request's first token: the prompt tokens of
// the requests this scheduler sent there that have not produced their first token yet, plus this
// prompt's part the endpoint does not hold (the match a prefix scorer's prepare step wrote, if the profile has one).
// Round-robin spreads prefills by construction; a scrape (every 50 ms) cannot see a prefill that
// started 5 ms ago, and a request count cannot tell a pod prefilling 3,000 tokens from one decoding.
import { z } from 'zod';
import type { CycleState, Endpoint, PluginDescriptor, Scorer, SchedulingRequest, TypedName } from '../../../framework';
import { estimateTokens, scoresByEndpoint } from '../../shared/normalize';
import { matchRatio, PREFIX_MATCH } from '../../shared/prefix-state';

export const PREFILL_LOAD_SCORER = 'prefill-load-scorer';

export interface PrefillLoadParams {
  /** Characters per token when estimating a text prompt's length. @default 4 */
  charsPerToken: number;
}

export class PrefillLoadScorer implements Scorer {
  readonly category = 'balance' as const;

  constructor(
    private readonly name: string,
    private readonly params: PrefillLoadParams,
  ) {}

  typedName(): TypedName {
    return { type: PREFILL_LOAD_SCORER, name: this.name };
  }

  /** Prompt tokens `e` computes before this request's first token: those queued there, then this prompt's uncached part. */
  static work(e: Endpoint, promptTokens: number, cachedShare: number): number {
    return (e.inFlightPrefillTokens ?? 0) + promptTokens * (1 - cachedShare);
  }

  score(state: CycleState, request: SchedulingRequest, endpoints: readonly Endpoint[]): ReadonlyMap<string, number> {
    return scoresByEndpoint(this, state, request, endpoints);
  }

  /**
   * `min_e work / work(e)`: a ratio, not min-max. An endpoint with 10% more work ahead scores about
   * 0.9 whatever the fleet's load, so at saturation (every queue long) the prefix scorer still
   * decides, and an idle fleet's small differences are not stretched to the full weight.
   */
  scoreInto(state: CycleState, request: SchedulingRequest, endpoints: readonly Endpoint[], out: Float64Array): void {
    const m = state.read(PREFIX_MATCH);
    const tokens = estimateTokens(request, this.params.charsPerToken);
    let min = Infinity;
    for (let i = 0; i < endpoints.length; i++) {
      const w = PrefillLoadScorer.work(endpoints[i], tokens, matchRatio(m, endpoints[i].id));
      out[i] = w;
      if (w < min) min = w;
    }
    for (let i = 0; i < endpoints.length; i++) out[i] = out[i] > 0 ? min / out[i] : 1;
  }
}

export const prefillLoadScorerDescriptor = {
  type: PREFILL_LOAD_SCORER,
  params: z.object({ charsPerToken: z.number().positive().default(4) }).strict(),
  create: (name, params) => new PrefillLoadScorer(name, params),
} satisfies PluginDescriptor<PrefillLoadParams>;
