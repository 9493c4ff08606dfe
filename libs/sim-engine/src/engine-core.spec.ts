// The engine core on a virtual clock: its timing against the cost tables, and its scheduling.
import { CostModel, loadGpuProfile } from '@llmd/gpu-cost';
import { EngineCore } from './engine-core';
import type { EngineOptions, EngineRequest, StepOutput } from './engine-types';

const gpu = loadGpuProfile('llama-3-8b');
const cost = new CostModel(gpu.profile, gpu.bandwidth);
const OPTIONS: EngineOptions = { maxNumSeqs: 256, maxNumBatchedTokens: 8192, blockSize: 16, numGpuBlocks: 29205, cpuBlocks: 0, enablePrefixCaching: true, maxLoras: 1, hashSeed: 1, remoteHoldTimeoutMs: 1000 };

function tokens(): EngineRequest['tokens'] {
  let i = 0;
  return { next: () => ({ id: 1000 + (i++ % 50), text: ` w${i}` }) };
}

function request(id: string, prompt: number[], extra: Partial<EngineRequest> = {}): EngineRequest {
  return { id, promptTokenIds: prompt, maxTokens: 4, eosAfter: 1e9, ignoreEos: true, stop: [], tokens: tokens(), ...extra };
}

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

/** Runs the core on a virtual clock until idle; returns every step with its start time. */
function run(core: EngineCore, arrivals: [number, EngineRequest][] = [], until = 1e7): { at: number; out: StepOutput }[] {
  const steps: { at: number; out: StepOutput }[] = [];
  let now = 0;
  const pending = [...arrivals].sort((a, b) => a[0] - b[0]);
  while (now < until) {
    while (pending.length > 0 && pending[0][0] <= now) core.add(pending.shift()![1], now);
    if (!core.hasWork()) {
      if (pending.length === 0) break;
      now = pending[0][0];
      continue;
    }
    const out = core.step(now);
    if (out.durationMs === 0) {
      const ready = core.nextReadyAt(now);
      now = ready ?? (pending[0]?.[0] ?? now + 1);
      continue;
    }
    steps.push({ at: now, out });
    now += out.durationMs;
  }
  return steps;
}

const ttft = (steps: ReturnType<typeof run>, id: string) => {
  const s = steps.find((x) => x.out.tokens.some((t) => t.id === id))!;
  return s.at + s.out.durationMs;
};

describe('EngineCore timing (virtual clock, llama-3-8b on H100)', () => {
  it('a lone 4096-token prompt has the measured prefill time as its TTFT (within 2%)', () => {
    const core = new EngineCore(cost, OPTIONS);
    const steps = run(core, [[0, request('a', range(4096))]]);
    expect(Math.abs(ttft(steps, 'a') / gpu.profile.prefill_ms['4096'] - 1)).toBeLessThan(0.02);
  });

  it('the same 8192-token prompt again, fully cached, costs the measured behind-prefix time', () => {
    const core = new EngineCore(cost, OPTIONS);
    run(core, [[0, request('a', range(8192), { maxTokens: 1 })]]);
    const steps = run(core, [[0, request('b', range(8192), { maxTokens: 1 })]]);
    // vLLM recomputes the last block of a fully cached prompt: 8176 cached, 16 computed.
    expect(steps[0].out.prefixHits).toBe(8176);
    expect(ttft(steps, 'b')).toBeCloseTo(gpu.profile.prefill_behind_prefix_ms['8176'], 6);
  });

  it('a decode batch of 64 at context 2048 steps at the measured time', () => {
    const core = new EngineCore(cost, { ...OPTIONS, enablePrefixCaching: false, maxNumBatchedTokens: 64 * 2047 });
    const steps = run(core, range(64).map((i) => [0, request(`r${i}`, range(2047, i * 3000), { maxTokens: 3 })] as [number, EngineRequest]));
    const firstDecode = steps[1].out;
    expect(firstDecode.tokens).toHaveLength(64);
    expect(firstDecode.durationMs).toBeCloseTo(gpu.profile.decode_step_ms['2048']['64'], 6);
  });
});

describe('EngineCore scheduling', () => {
  it('reuses a shared prefix: cached tokens, hit counters and a cheaper prefill', () => {
    const core = new EngineCore(cost, OPTIONS);
    const shared = range(1000);
    run(core, [[0, request('a', [...shared, ...range(200, 50000)])]]);
    const steps = run(core, [[0, request('b', [...shared, ...range(300, 60000)])]]);
    const done = steps.flatMap((s) => s.out.finished).find((f) => f.id === 'b')!;
    expect(done.cachedTokens).toBe(992); // 62 full blocks of 16
    expect(steps[0].out).toMatchObject({ prefixQueries: 1300, prefixHits: 992, prefillTokens: 308 });
  });

  it('chunks a long prompt over steps by the token budget', () => {
    const core = new EngineCore(cost, { ...OPTIONS, maxNumBatchedTokens: 2048 });
    const steps = run(core, [[0, request('a', range(5000), { maxTokens: 1 })]]);
    expect(steps.map((s) => s.out.prefillTokens)).toEqual([2048, 2048, 904]);
    expect(steps[2].out.tokens).toHaveLength(1);
  });

  it('runs at most max-num-seqs at once', () => {
    const core = new EngineCore(cost, { ...OPTIONS, maxNumSeqs: 2 });
    const steps = run(core, range(5).map((i) => [0, request(`r${i}`, range(32, i * 100), { maxTokens: 3 })] as [number, EngineRequest]));
    expect(Math.max(...steps.map((s) => new Set(s.out.tokens.map((t) => t.id)).size))).toBe(2);
    expect(steps.flatMap((s) => s.out.finished)).toHaveLength(5);
  });

  it('preempts the newest sequence when KV blocks run out, and still finishes everything', () => {
    const core = new EngineCore(cost, { ...OPTIONS, numGpuBlocks: 10, enablePrefixCaching: false });
    const steps = run(core, [
      [0, request('old', range(60), { maxTokens: 40 })],
      [0, request('new', range(60, 1000), { maxTokens: 40 })],
    ]);
    expect(steps.reduce((n, s) => n + s.out.preemptions, 0)).toBeGreaterThan(0);
    expect(steps.flatMap((s) => s.out.finished).map((f) => [f.id, f.generated])).toEqual(expect.arrayContaining([['old', 40], ['new', 40]]));
  });

  it('bounds LoRA adapters in flight by max-loras', () => {
    const core = new EngineCore(cost, { ...OPTIONS, maxLoras: 1 });
    const steps = run(core, [
      [0, request('a', range(32), { lora: 'x', maxTokens: 5 })],
      [0, request('b', range(32, 500), { lora: 'y', maxTokens: 5 })],
    ]);
    const together = steps.some((s) => s.out.tokens.some((t) => t.id === 'a') && s.out.tokens.some((t) => t.id === 'b'));
    expect(together).toBe(false);
    expect(steps.flatMap((s) => s.out.finished)).toHaveLength(2);
  });

  it.each([
    ['max_tokens', { maxTokens: 3 }, 'length', 3],
    ['the simulated EOS', { ignoreEos: false, eosAfter: 2, maxTokens: 10 }, 'stop', 2],
    ['a stop string', { stop: [' w2'], maxTokens: 10 }, 'stop', 2],
  ])('finishes on %s', (_name, extra, reason, generated) => {
    const core = new EngineCore(cost, OPTIONS);
    const done = run(core, [[0, request('a', range(20), extra as Partial<EngineRequest>)]]).flatMap((s) => s.out.finished);
    expect(done).toEqual([expect.objectContaining({ reason, generated })]);
  });

  it('aborts a request at the next step and frees its blocks', () => {
    const core = new EngineCore(cost, OPTIONS);
    core.add(request('a', range(100), { maxTokens: 100 }), 0);
    core.step(0);
    core.abort('a');
    const out = core.step(10);
    expect(out.finished).toEqual([expect.objectContaining({ id: 'a', reason: 'abort' })]);
    expect(core.kvUsage).toBe(0);
  });

  it('emits BlockStored events whose hashes chain block to block', () => {
    const core = new EngineCore(cost, OPTIONS);
    const steps = run(core, [[0, request('a', range(64), { maxTokens: 1 })]]);
    const stored = steps.flatMap((s) => s.out.kvEvents).filter((e) => e.type === 'BlockStored');
    expect(stored).toHaveLength(1);
    const e = stored[0] as Extract<(typeof stored)[number], { type: 'BlockStored' }>;
    expect(e).toMatchObject({ parentBlockHash: null, blockSize: 16, medium: 'GPU', tokenIds: range(64) });
    expect(e.blockHashes).toHaveLength(4);
    // A longer prompt over the same prefix stores only its new blocks, parented on the last shared one.
    const more = run(core, [[0, request('b', range(96), { maxTokens: 1 })]]).flatMap((s) => s.out.kvEvents).filter((x) => x.type === 'BlockStored');
    expect(more[0]).toMatchObject({ parentBlockHash: e.blockHashes[3], tokenIds: range(32, 64) });
  });

  it('P/D: the prefill side holds its blocks after one token; the decode side computes only the last prompt token', () => {
    const prefill = new EngineCore(cost, OPTIONS);
    const p = run(prefill, [[0, request('x', range(3000), { holdForRemoteDecode: true, maxTokens: 50 })]]);
    const done = p.flatMap((s) => s.out.finished)[0];
    expect(done).toMatchObject({ reason: 'length', generated: 1 });
    expect(done.heldBlocks).toHaveLength(Math.ceil(3001 / 16));
    expect(prefill.kvUsage).toBeGreaterThan(0);
    expect(prefill.releaseHeld('x')).toEqual({ blocks: done.heldBlocks!.length, tokens: 3000 });
    expect(prefill.kvUsage).toBe(0);

    const decode = new EngineCore(cost, OPTIONS);
    const d = run(decode, [[0, request('x', range(3000), { remoteComputedTokens: 2999, transferMs: 20, maxTokens: 5 })]]);
    expect(d[0].at).toBe(20);
    expect(d.reduce((n, s) => n + s.out.prefillTokens, 0)).toBe(1);
    expect(d.flatMap((s) => s.out.finished)[0]).toMatchObject({ cachedTokens: 2999, generated: 5 });
  });

  it('held blocks are freed after the hold timeout when no decode pod fetches them', () => {
    const core = new EngineCore(cost, { ...OPTIONS, remoteHoldTimeoutMs: 100 });
    run(core, [[0, request('x', range(100), { holdForRemoteDecode: true })]]);
    expect(core.kvUsage).toBeGreaterThan(0);
    core.step(1e6);
    expect(core.kvUsage).toBe(0);
  });

  it('offloads evicted blocks to the CPU tier and counts CPU hits as cached, paying the copy', () => {
    const core = new EngineCore(cost, { ...OPTIONS, numGpuBlocks: 70, cpuBlocks: 200 });
    run(core, [[0, request('a', range(1024), { maxTokens: 1 })]]);
    run(core, [[0, request('evictor', range(1024, 90000), { maxTokens: 1 })]]);
    expect(core.cpuBlocksCached).toBeGreaterThan(0);
    const steps = run(core, [[0, request('a2', range(1024), { maxTokens: 1 })]]);
    expect(steps[0].out.prefixHits).toBeGreaterThan(0);
    const events = steps.flatMap((s) => s.out.kvEvents);
    expect(events.some((e) => e.type === 'BlockStored' && e.medium === 'GPU')).toBe(true);
  });
});
