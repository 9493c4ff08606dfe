// How much output throughput prefix-aware routing can win at all, from the GPU tables alone: a steady
// state of saturated pods, each request's share of the GPU being its prefill plus its share of the
// decode steps it rides in. Two ends: no prefix hits (random routing on a fleet whose caches thrash)
// and a perfect router (every request finds its system prompt cached, each group's prompt resident
// once on its pod). The simulator's measured throughputs fall between them; their ratio is the most
// any router can reach on these tables.
import { CostModel, kvCacheBlocks, loadGpuProfile } from '@llmd/sim-engine';
import { defineCommand, parseOrExit } from '@llmd/cli';
import { printTable } from './table';

export const command = defineCommand({ name: 'llmd bench throughput-ceiling', summary: 'the most output throughput any router can win on the GPU tables (shared-prefix study)', flags: {} });

export interface CeilingWorkload {
  systemTokens: number;
  questionTokens: number;
  outputTokens: number;
  groups: number;
}

export interface CeilingFleet {
  pods: number;
  /** KV-cache capacity of one pod, in tokens. */
  kvTokens: number;
  maxNumSeqs: number;
}

export interface CeilingEnd {
  /** Sequences decoding at once on a pod: what its KV cache holds, capped by max-num-seqs. */
  batch: number;
  decodeStepMs: number;
  /** GPU ms per request: prefill, and its share of the decode steps. */
  prefillMs: number;
  decodeMs: number;
  /** Output tokens per second over the fleet. */
  outputTokensPerSec: number;
}

function end(cost: CeilingCostModel, w: CeilingWorkload, f: CeilingFleet, cached: boolean): CeilingEnd {
  const prompt = w.systemTokens + w.questionTokens;
  // A sequence holds its prompt and, on average over its life, half its output; with a perfect router
  // the system prompt is shared with its group and resident once per group on the pod.
  const ownTokens = prompt + w.outputTokens / 2 - (cached ? w.systemTokens : 0);
  const room = f.kvTokens - (cached ? Math.ceil(w.groups / f.pods) * w.systemTokens : 0);
  const batch = Math.max(1, Math.min(f.maxNumSeqs, Math.floor(room / ownTokens)));
  const decodeStepMs = cost.decodeStepMs(batch, prompt + w.outputTokens / 2);
  const decodeMs = (w.outputTokens * decodeStepMs) / batch;
  const prefillMs = cached ? cost.prefillBehindMs(w.questionTokens, w.systemTokens) : cost.prefillMs(prompt);
  return { batch, decodeStepMs, prefillMs, decodeMs, outputTokensPerSec: (f.pods * w.outputTokens * 1000) / (prefillMs + decodeMs) };
}

export type CeilingCostModel = Pick<CostModel, 'decodeStepMs' | 'prefillMs' | 'prefillBehindMs'>;

/** Throughput at saturation with no prefix hits and with a perfect prefix router, and their ratio. */
export function throughputCeiling(cost: CeilingCostModel, workload: CeilingWorkload, fleet: CeilingFleet): { none: CeilingEnd; perfect: CeilingEnd; ratio: number } {
  const none = end(cost, workload, fleet, false);
  const perfect = end(cost, workload, fleet, true);
  return { none, perfect, ratio: perfect.outputTokensPerSec / none.outputTokensPerSec };
}

if (require.main === module) {
  parseOrExit(command);
  const gpu = loadGpuProfile('llama-3-8b');
  const cost = new CostModel(gpu.profile, gpu.bandwidth);
  // The routing study's pods: an 80 GB H100 at 0.9 memory utilization, 16-token blocks, 256 sequences.
  const fleet = { pods: 8, kvTokens: kvCacheBlocks(gpu.profile, 0.9, 16) * 16, maxNumSeqs: 256 };
  const workload = { systemTokens: 6000, questionTokens: 1200, outputTokens: 1000, groups: 150 };
  const c = throughputCeiling(cost, workload, fleet);
  process.stdout.write(`Output throughput at saturation from the llama-3-8b tables (${gpu.device}): the shared-prefix study, 8 pods of ${fleet.kvTokens} KV tokens\n\n`);
  const row = (name: string, e: CeilingEnd) => [name, e.batch, e.decodeStepMs.toFixed(1), e.prefillMs.toFixed(0), e.decodeMs.toFixed(0), e.outputTokensPerSec.toFixed(0)];
  printTable(['routing', 'batch', 'decode step ms', 'prefill ms / request', 'decode ms / request', 'output tokens/s'], [row('no prefix hits', c.none), row('perfect prefix routing', c.perfect)]);
  process.stdout.write(`\nthe most any router can win on these tables: ${c.ratio.toFixed(2)}x\n`);
}
