// Fidelity of the simulated engine against the measured H100 tables, on a virtual clock:
// one 4096-token prefill, the same 8192-token prompt fully cached, a decode batch of 64 at context 2048.
import { CostModel, EngineCore, EngineOptions, EngineRequest, loadGpuProfile, StepOutput } from '@llmd/sim-engine';
import { defineCommand, parseOrExit } from '@llmd/cli';
import { printTable } from './table';

export const command = defineCommand({ name: 'llmd bench sim-fidelity', summary: 'the simulator\'s step times against the GPU tables (virtual clock)', flags: {} });

const gpu = loadGpuProfile('llama-3-8b');
const cost = new CostModel(gpu.profile, gpu.bandwidth);
const options: EngineOptions = { maxNumSeqs: 256, maxNumBatchedTokens: 8192, blockSize: 16, numGpuBlocks: 29205, cpuBlocks: 0, enablePrefixCaching: true, maxLoras: 0, hashSeed: 0, remoteHoldTimeoutMs: 1000 };
const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

function req(id: string, prompt: number[], maxTokens: number): EngineRequest {
  let i = 0;
  return { id, promptTokenIds: prompt, maxTokens, eosAfter: 1e9, ignoreEos: true, stop: [], tokens: { next: () => ({ id: 1000 + (i++ % 7), text: ' x' }) } };
}

/** Runs until idle on a virtual clock; returns the steps with their start times. */
function drain(core: EngineCore, start = 0): { at: number; out: StepOutput }[] {
  const steps: { at: number; out: StepOutput }[] = [];
  let now = start;
  while (core.hasWork()) {
    const out = core.step(now);
    steps.push({ at: now, out });
    now += out.durationMs;
  }
  return steps;
}

export function fidelityRows(): (string | number)[][] {
  const rows: (string | number)[][] = [];
  const add = (name: string, table: number, sim: number) => rows.push([name, table.toFixed(3), sim.toFixed(3), `${(((sim - table) / table) * 100).toFixed(2)}%`]);

  let core = new EngineCore(cost, options);
  core.add(req('a', range(4096), 1), 0);
  let steps = drain(core);
  add('TTFT, one 4096-token prompt (prefill_ms[4096])', gpu.profile.prefill_ms['4096'], steps[0].at + steps[0].out.durationMs);

  core = new EngineCore(cost, options);
  core.add(req('a', range(8192), 1), 0);
  drain(core);
  core.add(req('b', range(8192), 1), 0);
  steps = drain(core);
  add('TTFT, same 8192-token prompt fully cached (behind_prefix[8176])', gpu.profile.prefill_behind_prefix_ms['8176'], steps[0].out.durationMs);

  core = new EngineCore(cost, { ...options, enablePrefixCaching: false, maxNumBatchedTokens: 64 * 2047 });
  for (let i = 0; i < 64; i++) core.add(req(`r${i}`, range(2047, i * 3000), 2), 0);
  steps = drain(core);
  add('decode step, batch 64 at context 2048 (decode_step_ms[2048][64])', gpu.profile.decode_step_ms['2048']['64'], steps[1].out.durationMs);

  for (const p of [2048, 4096, 6144, 7168]) {
    core = new EngineCore(cost, { ...options, maxNumBatchedTokens: 16384 });
    core.add(req('warm', range(p), 1), 0);
    drain(core);
    core.add(req('b', [...range(p), ...range(8192 - p, 100000)], 1), 0);
    steps = drain(core);
    add(`TTFT, 8192 tokens behind a cached ${p} (behind_prefix[${p}])`, gpu.profile.prefill_behind_prefix_ms[String(p)], steps[0].out.durationMs);
  }
  return rows;
}

if (require.main === module) {
  parseOrExit(command);
  process.stdout.write(`vllm-sim fidelity on a virtual clock (llama-3-8b, ${gpu.device})\n\n`);
  printTable(['case', 'table ms', 'sim ms', 'error'], fidelityRows());
}
