// Predicts each endpoint's time to first token from its queue, the request's uncached prompt and the
// calibrated GPU cost tables, and scores it against the request's TTFT objective. The tables come in
// through LatencyCostModel (the scheduler passes the measured ones): this lib never loads the simulator.
import { z } from 'zod';
import { SchedulingConfigError, type CycleState, type Endpoint, type LatencyCostModel, type PluginDeps, type PluginDescriptor, type Scorer, type SchedulingRequest, type TypedName } from '../../../framework';
import { estimateTokens } from '../../shared/normalize';
import { matchRatio, PREFIX_MATCH } from '../../shared/prefix-state';

export const PREDICTED_LATENCY_SCORER = 'predicted-latency-scorer';

export interface PredictedLatencyParams {
  /** Which measured cost table predicts step times. @default 'llama-3-8b' */
  gpuProfile: string;
  /** Characters per token when estimating a text prompt's length. @default 4 */
  charsPerToken: number;
}

export class PredictedLatencyScorer implements Scorer {
  readonly category = 'balance' as const;

  constructor(
    private readonly name: string,
    private readonly params: PredictedLatencyParams,
    private readonly cost: LatencyCostModel,
  ) {}

  typedName(): TypedName {
    return { type: PREDICTED_LATENCY_SCORER, name: this.name };
  }

  /** Predicted TTFT on `e`: the queue ahead (each waiting or in-flight request a prefill of this size, plus a decode step), then this prompt's uncached part. */
  predictTtftMs(request: SchedulingRequest, e: Endpoint, cachedShare: number): number {
    const tokens = estimateTokens(request, this.params.charsPerToken);
    const cached = Math.floor(tokens * cachedShare);
    const ahead = e.metrics.waiting + Math.max(0, e.inFlight - e.metrics.running);
    const perRequest = this.cost.prefillMs(tokens) + this.cost.decodeStepMs(Math.max(1, e.metrics.running), 1024);
    return ahead * perRequest + this.cost.prefillBehindMs(tokens - cached, cached);
  }

  score(state: CycleState, request: SchedulingRequest, endpoints: readonly Endpoint[]): ReadonlyMap<string, number> {
    const m = state.read(PREFIX_MATCH);
    const predicted = endpoints.map((e) => this.predictTtftMs(request, e, matchRatio(m, e.id)));
    const slo = request.ttftSloMs;
    if (slo && slo > 0) return new Map(endpoints.map((e, i) => [e.id, predicted[i] <= slo ? 1 : slo / predicted[i]]));
    const best = Math.min(...predicted);
    return new Map(endpoints.map((e, i) => [e.id, predicted[i] > 0 ? best / predicted[i] : 1]));
  }
}

export const predictedLatencyScorerDescriptor = {
  type: PREDICTED_LATENCY_SCORER,
  params: z.object({ gpuProfile: z.string().min(1).default('llama-3-8b'), charsPerToken: z.number().positive().default(4) }).strict(),
  create: (name, params, deps: PluginDeps) => new PredictedLatencyScorer(name, params, costModelOf(name, params.gpuProfile, deps)),
} satisfies PluginDescriptor<PredictedLatencyParams>;

/** The named profile's step costs, or a config error naming the plugin: never a scorer that cannot predict. */
function costModelOf(name: string, gpuProfile: string, deps: PluginDeps): LatencyCostModel {
  if (!deps.costModels) throw new SchedulingConfigError(`plugins[${name}]`, `${PREDICTED_LATENCY_SCORER} needs GPU step costs, and this scheduler was built without them`);
  try {
    return deps.costModels(gpuProfile);
  } catch (err) {
    throw new SchedulingConfigError(`plugins[${name}].parameters.gpuProfile`, (err as Error).message);
  }
}
