// The precise prefix index end to end: real vllm-sim pods publish KV events over ZMQ, cache-manager
// ingests them through the real Kafka topic into its index, the scheduler's precise scorer routes a
// shared prefix to the pod that holds it, and a restarted cache-manager rebuilds its index from its
// newest checkpoint and the part of the topic after it.
import type { LocalStack } from '@llmd/cli';
import { PRECISE_PREFIX_CONFIG } from '@llmd/scoring';
import { kvEventBatchCodec } from '@llmd/telemetry';
import { waitForRecord } from '../support/kafka-records';
import { TestKvCacheClient } from '../support/kv-cache-client';
import { endOffsets } from '../support/kv-topic';
import { metricSum } from '../support/metrics';
import { TestSchedulerClient } from '../support/scheduler-client';
import { E2E_MODEL, startTestStack } from '../support/test-stack';
import { until } from '../support/until';

// These tests assert that the precise index answered, not how fast: the default 50 ms lookup deadline
// can pass on a loaded 2-core CI machine, and the scheduler then (rightly) falls back to its
// approximate index. A deadline of seconds keeps the assertion about routing, not timing.
const PATIENT_PRECISE = {
  LLMD_SCHEDULER_PICKER_CONFIG: JSON.stringify({
    ...PRECISE_PREFIX_CONFIG,
    plugins: PRECISE_PREFIX_CONFIG.plugins.map((p) => (p.type === 'precise-prefix-cache-scorer' ? { ...p, parameters: { ...p.parameters, timeoutMs: 5000 } } : p)),
  }),
};

describe('cache-manager with real pods', () => {
  let stack: LocalStack;
  let scheduler: TestSchedulerClient;
  let kv: TestKvCacheClient;
  const system = 'You are the precise-routing assistant of the llmd test suite. Answer briefly and exactly. '.repeat(30);
  const messages = (q: string) => [
    { role: 'system', content: system },
    { role: 'user', content: q },
  ];
  const holderBlocks = async (pod: string) => {
    const res = await kv.scoreChat(E2E_MODEL, messages('another question'), ['sim-0', 'sim-1', 'sim-2']);
    return res.scores.find((s) => s.endpointId === pod)?.tiers.find((t) => t.tier === 1)?.blocks ?? 0;
  };

  beforeAll(async () => {
    stack = await startTestStack(3, { schedulerEnv: PATIENT_PRECISE, env: { LLMD_CACHE_MANAGER_CHECKPOINT_INTERVAL_MS: '1000' } });
    scheduler = new TestSchedulerClient(`127.0.0.1:${stack.options.ports.scheduler}`);
    kv = new TestKvCacheClient(`127.0.0.1:${stack.options.ports.cacheManager}`);
  }, 120000);

  afterAll(async () => {
    scheduler?.close();
    kv?.close();
    await stack?.stop();
  });

  it('indexes a pod\'s blocks from its KV events and routes the shared prefix there', async () => {
    // Straight to sim-1, around the scheduler: only the pod's own KV events can tell anyone.
    const port = stack.options.ports.sims[1];
    const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: E2E_MODEL, messages: messages('first question'), max_tokens: 2 }),
    });
    expect(res.status).toBe(200);
    const { record } = await waitForRecord(process.env.LLMD_E2E_KAFKA!, kvEventBatchCodec, (r) => r.endpointId === 'sim-1' && r.events.some((e) => e.type === 'BlockStored'));
    expect(record.events[0]).toMatchObject({ type: 'BlockStored', blockSize: 16, medium: 'gpu' });

    await until(async () => (await holderBlocks('sim-1')) > 20);
    expect(await holderBlocks('sim-0')).toBe(0);

    const pick = await scheduler.pick(E2E_MODEL, '', { messages: messages('a new question') });
    expect(pick.target?.id).toBe('sim-1');
    expect(pick.breakdown.find((b) => b.endpointId === 'sim-1')?.scores['prefix']).toBeGreaterThan(0.8);
  });

  it('rebuilds its index after a kill from its newest checkpoint and the records after it, before it says ready', async () => {
    const before = await holderBlocks('sim-1');
    expect(before).toBeGreaterThan(0);
    const ops = stack.options.ports.cacheManagerOps;
    await until(async () => /llmd_cache_manager_checkpoints_total\{result="written"[^}]*\} [1-9]/.test(await (await fetch(`http://127.0.0.1:${ops}/metrics`)).text()), 30000);
    // Killed: no last checkpoint on the way out, so the periodic one is what the next start finds.
    await stack.restart('cache-manager', { signal: 'SIGKILL' });
    kv.close();
    kv = new TestKvCacheClient(`127.0.0.1:${stack.options.ports.cacheManager}`);
    // Ready means rebuilt: the first answer after readiness already has everything.
    expect(await holderBlocks('sim-1')).toBe(before);
    const stats = await kv.stats();
    expect(Number(stats.indexedBlocks)).toBeGreaterThan(0);
    expect(stats.endpoints.map((e) => e.endpointId)).toContain('sim-1');
    const metrics = await (await fetch(`http://127.0.0.1:${ops}/metrics`)).text();
    expect(metrics).toMatch(/llmd_cache_manager_checkpoint_restores_total\{result="restored"[^}]*\} [1-9]/);
    // Only what came after the checkpoints was read, not the whole topic.
    const onTopic = [...(await endOffsets(process.env.LLMD_E2E_KAFKA!)).values()].reduce((a, b) => a + b, 0);
    expect(await metricSum(ops, 'llmd_cache_manager_kv_event_batches_total')).toBeLessThan(onTopic);
  });
});

describe('cache-manager ingestion edge cases with real pods', () => {
  let stack: LocalStack;
  let kv: TestKvCacheClient;
  const prompt = (tag: string) => [{ role: 'user', content: `${tag}: ${'an edge case for the KV event ingestion of llmd. '.repeat(25)}` }];
  const blocksOn = async (pod: string, tag: string) => {
    const res = await kv.scoreChat(E2E_MODEL, prompt(tag), [pod]);
    return res.scores[0]?.tiers.find((t) => t.tier === 1)?.blocks ?? 0;
  };
  const chat = (pod: number, tag: string) =>
    fetch(`http://127.0.0.1:${stack.options.ports.sims[pod]}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: E2E_MODEL, messages: prompt(tag), max_tokens: 1 }) });

  beforeAll(async () => {
    stack = await startTestStack(2);
    kv = new TestKvCacheClient(`127.0.0.1:${stack.options.ports.cacheManager}`);
  }, 120000);

  afterAll(async () => {
    kv?.close();
    await stack?.stop();
  });

  it('does not credit a new pod with what an earlier pod under the same id held, once ready', async () => {
    // The suite's earlier stack sent this prompt to its sim-1; its blocks are on the topic under
    // that id. This stack's sim-1 is a new pod with an empty cache, and cache-manager says ready
    // only after the clear its first sync published has been applied.
    const earlier = [
      { role: 'system', content: 'You are the precise-routing assistant of the llmd test suite. Answer briefly and exactly. '.repeat(30) },
      { role: 'user', content: 'another question' },
    ];
    const res = await kv.scoreChat(E2E_MODEL, earlier, ['sim-0', 'sim-1']);
    expect(res.scores.map((s) => s.tiers.find((t) => t.tier === 1)?.blocks ?? 0)).toEqual([0, 0]);
  });

  it('catches up from the replay buffer on events published while it was down', async () => {
    await stack.restart('cache-manager', { whileDown: async () => void (await chat(0, 'while-down')) });
    kv.close();
    kv = new TestKvCacheClient(`127.0.0.1:${stack.options.ports.cacheManager}`);
    // The next batch shows the pod ahead of us; the missed ones come from its replay socket.
    await (await chat(0, 'after-restart')).text();
    await until(async () => (await blocksOn('sim-0', 'while-down').catch(() => 0)) > 10);
  });

  it('clears a pod that restarted (its cache is empty) and indexes what it stores next', async () => {
    await (await chat(1, 'before-pod-restart')).text();
    await until(async () => (await blocksOn('sim-1', 'before-pod-restart')) > 10);
    await stack.restart('sim-1');
    await (await chat(1, 'after-pod-restart')).text();
    await until(async () => (await blocksOn('sim-1', 'after-pod-restart')) > 10);
    expect(await blocksOn('sim-1', 'before-pod-restart')).toBe(0);
  });

  it('clears a pod whose prefix cache was reset (AllBlocksCleared)', async () => {
    await (await chat(0, 'before-reset')).text();
    await until(async () => (await blocksOn('sim-0', 'before-reset')) > 10);
    const res = await fetch(`http://127.0.0.1:${stack.options.ports.sims[0]}/reset_prefix_cache`, { method: 'POST' });
    expect(res.status).toBe(200);
    await until(async () => (await blocksOn('sim-0', 'before-reset')) === 0);
  });

  it('reads the older positional encoding too', async () => {
    await stack.restart('sim-1', { extraArgs: ['--kv-events-format', 'array'] });
    await (await chat(1, 'positional')).text();
    await until(async () => (await blocksOn('sim-1', 'positional')) > 10);
  });

  it('learns a pod\'s block size from its events when it differs from the configured one', async () => {
    // cache-manager is configured for 16-token blocks; the restarted pod runs --block-size 32 (last
    // here: a restart keeps the arguments of the ones before).
    await stack.restart('sim-1', { extraArgs: ['--block-size', '32'] });
    await (await chat(1, 'big-blocks')).text();
    await until(async () => (await blocksOn('sim-1', 'big-blocks')) > 5);
    const res = await kv.scoreChat(E2E_MODEL, prompt('big-blocks'), ['sim-0', 'sim-1']);
    expect(res.blockSize).toBe(32);
    expect(res.scores.find((s) => s.endpointId === 'sim-1')?.score).toBeGreaterThan(0.9);
    const metrics = await (await fetch(`http://127.0.0.1:${stack.options.ports.cacheManagerOps}/metrics`)).text();
    const mismatches = metrics.split('\n').filter((l) => l.startsWith('llmd_cache_manager_block_size_mismatches_total{') && l.includes(`model="${E2E_MODEL}"`));
    expect(mismatches.map((l) => Number(l.slice(l.lastIndexOf(' ') + 1)))).toEqual([1]);
  });
});

describe('speculative entries', () => {
  let stack: LocalStack;
  let scheduler: TestSchedulerClient;

  beforeAll(async () => {
    stack = await startTestStack(3, { schedulerEnv: PATIENT_PRECISE, env: { LLMD_CACHE_MANAGER_CHECKPOINT_INTERVAL_MS: '1000' } });
    scheduler = new TestSchedulerClient(`127.0.0.1:${stack.options.ports.scheduler}`);
  }, 120000);

  afterAll(async () => {
    scheduler?.close();
    await stack?.stop();
  });

  it('a prefix just routed to a pod counts there before any KV event arrives', async () => {
    const system = 'A fresh shared prefix that no pod has seen before, for speculation. '.repeat(30);
    const fallbacks = async () => {
      const text = await (await fetch(`http://127.0.0.1:${stack.options.ports.schedulerOps}/metrics`)).text();
      return text.split('\n').filter((l) => l.startsWith('llmd_scheduler_fallbacks_total')).reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    };
    const first = await scheduler.pick(E2E_MODEL, '', { messages: [{ role: 'system', content: system }, { role: 'user', content: 'one' }] });
    const fallbacksBefore = await fallbacks();
    await new Promise((r) => setTimeout(r, 50)); // the fire-and-forget Speculate call lands
    // Nothing was sent to the pod, so no KV event exists: only the speculative entry can score it
    // (and the precise index answered: no fallback to the approximate one).
    const second = await scheduler.pick(E2E_MODEL, '', { messages: [{ role: 'system', content: system }, { role: 'user', content: 'two' }] });
    expect(second.target?.id).toBe(first.target?.id);
    expect(second.breakdown.find((b) => b.endpointId === first.target?.id)?.scores['prefix']).toBeGreaterThan(0.8);
    expect(await fallbacks()).toBe(fallbacksBefore);
  });
});
