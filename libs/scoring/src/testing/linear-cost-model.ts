// A cost model for tests of latency-aware plugins: straight lines whose values a test can work out by
// hand (the measured tables are the scheduler's and the simulator's business, not the framework's).
import type { LatencyCostModel, LatencyCostModels } from '../framework';

export interface LinearCosts {
  /** Fixed cost of any prefill pass. @default 10 */
  prefillFloorMs?: number;
  /** Cost per new prompt token. @default 0.025 */
  prefillMsPerToken?: number;
  /** Cost per cached token a new token attends to. @default 0.005 */
  behindMsPerCachedToken?: number;
  /** Cost of a decode step, per sequence in the batch. @default 0.1 */
  decodeMsPerSequence?: number;
  /** Decode-step floor. @default 8 */
  decodeFloorMs?: number;
}

export function linearCostModel(c: LinearCosts = {}): LatencyCostModel {
  const floor = c.prefillFloorMs ?? 10;
  const perToken = c.prefillMsPerToken ?? 0.025;
  const behind = c.behindMsPerCachedToken ?? 0.005;
  const perSeq = c.decodeMsPerSequence ?? 0.1;
  const decodeFloor = c.decodeFloorMs ?? 8;
  const prefillMs = (tokens: number) => (tokens <= 0 ? 0 : floor + tokens * perToken);
  return {
    prefillMs,
    prefillBehindMs: (newTokens, cached) => (newTokens <= 0 ? 0 : prefillMs(newTokens) + Math.max(0, cached) * behind),
    decodeStepMs: (batch) => (batch <= 0 ? 0 : decodeFloor + batch * perSeq),
  };
}

/** Cost models by GPU profile name: `linearCostModel(costs)` for each of `profiles`, an error for others. */
export function linearCostModels(costs: LinearCosts = {}, profiles: readonly string[] = ['llama-3-8b']): LatencyCostModels {
  return (name) => {
    if (!profiles.includes(name)) throw new Error(`no GPU profile "${name}" (have: ${profiles.join(', ')})`);
    return linearCostModel(costs);
  };
}
