// Precise prefix routing for more than one base model, through the gateway with the real OpenAI
// client: three model families, each served by vllm-sim pods with the family's own tokenizer, hit the
// precise index; a LoRA adapter's prompt is routed to the pod holding its adapter's blocks (vLLM keys
// them by the adapter's name); a model cache-manager has no tokenizer for is scored approximately,
// counted, never by zeros and without opening the scheduler's circuit to cache-manager.
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, Metadata } from '@grpc/grpc-js';
import { DIST, freePorts, LocalStack, nodeFlagsFor } from '@llmd/cli';
import { cachev1 } from '@llmd/proto';
import { PRECISE_PREFIX_CONFIG } from '@llmd/scoring';
import OpenAI from 'openai';
import { TestSchedulerClient } from '../support/scheduler-client';
import { E2E_MODEL, startTestStack } from '../support/test-stack';
import { until } from '../support/until';

const ADAPTER = 'e2e-sql-lora';
/** A model name no built-in tokenizer fits and no config names: cache-manager has no tokenizer for it. */
const UNKNOWN_FAMILY = 'e2e/mystery-1b';
/** Families served by pods the test starts itself (the stack's own pods serve Llama-3), two pods each. */
const FAMILIES = [
  { prefix: 'qwen', model: 'e2e/qwen3-0.6b', tokenizer: 'builtin:qwen3' },
  { prefix: 'gemma', model: 'e2e/gemma-3-1b', tokenizer: 'builtin:gemma-3' },
];

/** Every pod process this file started, killed in afterAll even when a start failed half way. */
const spawned: { child: ChildProcess; exited: Promise<unknown> }[] = [];

interface ExtraPod {
  id: string;
  model: string;
  port: number;
  child: ChildProcess;
  exited: Promise<unknown>;
}

/** A vllm-sim pod with its own tokenizer, publishing KV events, as `tools/llmd sim serve` starts one. */
async function startPod(id: string, model: string, tokenizer: string, seed: number): Promise<ExtraPod & { kvEvents: { endpoint: string; replayEndpoint: string } }> {
  const [port, pub, replay] = await freePorts(3);
  const kvEvents = { endpoint: `tcp://127.0.0.1:${pub}`, replayEndpoint: `tcp://127.0.0.1:${replay}` };
  const args = ['serve', model, '--port', String(port), '--gpu-profile', 'llama-3.2-1b', '--time-scale', '1', '--seed', String(seed), '--tokenizer', tokenizer];
  args.push('--kv-events-config', JSON.stringify({ enable_kv_cache_events: true, publisher: 'zmq', endpoint: kvEvents.endpoint, replay_endpoint: kvEvents.replayEndpoint }));
  const child = spawn(process.execPath, [...nodeFlagsFor('vllm-sim'), join(DIST, 'apps', 'vllm-sim', 'src', 'main.js'), ...args], { env: { ...process.env, LLMD_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  spawned.push({ child, exited });
  // Started next to a whole stack on a small machine, a pod may take a while to load its tokenizer.
  await until(async () => {
    if (child.exitCode !== null) throw new Error(`${id} exited with code ${child.exitCode}: ${stderr}`);
    return (await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined))?.ok === true;
  }, 240000);
  return { id, model, port, child, exited, kvEvents };
}

// The assertions are about which index answered, not how fast: a lookup deadline of seconds keeps a
// loaded CI machine from turning them into timing tests (cache-manager.e2e-spec does the same).
const PATIENT_PRECISE = JSON.stringify({
  ...PRECISE_PREFIX_CONFIG,
  plugins: PRECISE_PREFIX_CONFIG.plugins.map((p) => (p.type === 'precise-prefix-cache-scorer' ? { ...p, parameters: { ...p.parameters, timeoutMs: 5000 } } : p)),
});

async function metric(url: string, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && l.includes(labels))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

describe('precise routing per model: LoRA adapters and models without a tokenizer', () => {
  let stack: LocalStack;
  let registryDir: string;
  let podRegistryDir: string;
  const extraPods: (ExtraPod & { kvEvents: { endpoint: string; replayEndpoint: string } })[] = [];
  let client: OpenAI;
  let scheduler: TestSchedulerClient;
  let kv: cachev1.KvCacheClient;
  const system = (topic: string) => `You answer questions about ${topic} for the llmd test suite, briefly and exactly. `.repeat(30);
  const messages = (topic: string, q: string) => [
    { role: 'system' as const, content: system(topic) },
    { role: 'user' as const, content: q },
  ];
  const schedulerOps = () => `http://127.0.0.1:${stack.options.ports.schedulerOps}`;
  /** GPU blocks cache-manager credits `pod` with for a chat prompt, under `model` and `lora`. */
  const heldBlocks = (model: string, lora: string, msgs: { role: string; content: string }[], pod: string) =>
    new Promise<number>((resolve, reject) =>
      kv.score(cachev1.ScoreRequest.fromPartial({ model, loraName: lora, input: { $case: 'chat', value: { messages: msgs } }, endpointIds: [pod] }), new Metadata(), { deadline: new Date(Date.now() + 5000) }, (err, res) =>
        err || !res ? reject(err) : resolve(res.scores.find((s) => s.endpointId === pod)?.tiers.find((t) => t.tier === cachev1.Tier.TIER_GPU)?.blocks ?? 0),
      ),
    );

  beforeAll(async () => {
    registryDir = mkdtempSync(join(tmpdir(), 'llmd-e2e-registry-'));
    podRegistryDir = mkdtempSync(join(tmpdir(), 'llmd-e2e-kv-pods-'));
    // The other families' pods, each with its tokenizer, start alongside the stack; cache-manager finds
    // their KV event sockets in its registry folder and, by their names, the built-in tokenizers they use.
    const [pods, started] = await Promise.all([
      Promise.all(FAMILIES.flatMap((f) => [0, 1].map((i) => startPod(`${f.prefix}-${i}`, f.model, f.tokenizer, i)))),
      startTestStack(2, {
        simArgs: ['--enable-lora', '--lora-modules', `${ADAPTER}=/adapters/sql`, '--served-model-name', E2E_MODEL, UNKNOWN_FAMILY],
        env: { LLMD_CACHE_MANAGER_REGISTRY_DIR: podRegistryDir },
        schedulerEnv: { LLMD_SCHEDULER_PICKER_CONFIG: PATIENT_PRECISE, LLMD_SCHEDULER_REGISTRY_DIR: registryDir },
      }),
    ]);
    stack = started;
    extraPods.push(...pods);
    for (const pod of pods) {
      writeFileSync(join(podRegistryDir, `${pod.id}.json`), JSON.stringify({ id: pod.id, models: [pod.model], kvEvents: pod.kvEvents }));
      writeFileSync(join(registryDir, `${pod.id}.json`), JSON.stringify({ id: pod.id, address: `127.0.0.1:${pod.port}`, models: [pod.model] }));
    }
    // The pods serve the adapter; the scheduler learns it as vLLM deployments declare it: in the
    // endpoint's spec (the registry entry replaces the static one of the same id).
    stack.options.ports.sims.forEach((port, i) =>
      writeFileSync(join(registryDir, `sim-${i}.json`), JSON.stringify({ id: `sim-${i}`, address: `127.0.0.1:${port}`, models: [E2E_MODEL, UNKNOWN_FAMILY], loraAdapters: [ADAPTER] })),
    );
    scheduler = new TestSchedulerClient(`127.0.0.1:${stack.options.ports.scheduler}`);
    await until(async () => (await scheduler.listEndpoints()).filter((e) => e.endpoint?.loraAdapters.includes(ADAPTER)).length === 2, 30000);
    await until(async () => (await scheduler.healthyEndpoints()) === 2 + extraPods.length, 30000);
    kv = new cachev1.KvCacheClient(`127.0.0.1:${stack.options.ports.cacheManager}`, credentials.createInsecure());
    client = new OpenAI({ baseURL: `${stack.gatewayUrl}/v1`, apiKey: 'unused-locally', maxRetries: 0 });
    // The gateway refreshes its endpoint snapshot on its own interval: it serves the adapter once it lists it.
    await until(async () => {
      const served = new Set((await client.models.list()).data.map((m) => m.id));
      return served.has(ADAPTER) && FAMILIES.every((f) => served.has(f.model));
    }, 30000);
  }, 420000);

  afterAll(async () => {
    scheduler?.close();
    kv?.close();
    await stack?.stop();
    for (const p of spawned) p.child.kill('SIGTERM');
    await Promise.all(spawned.map((p) => p.exited));
    for (const dir of [registryDir, podRegistryDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['llama-3', E2E_MODEL, 'sim-1', 'sim-0'],
    ...FAMILIES.map((f) => [f.tokenizer.slice('builtin:'.length), f.model, `${f.prefix}-1`, `${f.prefix}-0`]),
  ])('%s: the second request with a shared prefix goes where the first one’s blocks are, by the precise index', async (_family, model, holder, other) => {
    const port = holder.startsWith('sim-') ? stack.options.ports.sims[Number(holder.slice(4))] : extraPods.find((p) => p.id === holder)?.port;
    const topic = `the ${model} family`;
    // Straight to the holder, around the scheduler: only the pod's own KV events can tell.
    const direct = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: messages(topic, 'first question'), max_tokens: 2 }),
    });
    expect(direct.status).toBe(200);
    // The first Score of a model loads its tokenizer (tens of MB): a slow first answer is retried.
    await until(async () => (await heldBlocks(model, '', messages(topic, 'another question'), holder).catch(() => 0)) > 20, 60000);
    expect(await heldBlocks(model, '', messages(topic, 'another question'), other)).toBe(0);

    const fallbacks = await metric(schedulerOps(), 'llmd_scheduler_fallbacks_total');
    const { response } = await client.chat.completions.create({ model, messages: messages(topic, 'second question'), max_tokens: 2 }).withResponse();
    expect(response.headers.get('x-llmd-endpoint')).toBe(holder);
    const decisions = (await (await fetch(`${schedulerOps()}/debug/decisions`)).json()) as { model: string; breakdown: { endpointId: string; scores: Record<string, number> }[] }[];
    expect(decisions.find((d) => d.model === model)?.breakdown.find((b) => b.endpointId === holder)?.scores['prefix']).toBeGreaterThan(0.8);
    expect(await metric(schedulerOps(), 'llmd_scheduler_fallbacks_total')).toBe(fallbacks);
  });

  it('routes a LoRA request to the pod holding its adapter’s prefix, and keeps the adapter’s blocks apart from the base model’s', async () => {
    // Straight to sim-1, around the scheduler: only the pod's KV events (BlockStored with lora_name) can tell.
    const direct = await fetch(`http://127.0.0.1:${stack.options.ports.sims[1]}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: ADAPTER, messages: messages('SQL', 'first question'), max_tokens: 2 }),
    });
    expect(direct.status).toBe(200);
    await until(async () => (await heldBlocks(E2E_MODEL, ADAPTER, messages('SQL', 'another question'), 'sim-1')) > 20, 30000);
    // The same text under the base model is another prefix (vLLM's extra key): no credit for it.
    expect(await heldBlocks(E2E_MODEL, '', messages('SQL', 'another question'), 'sim-1')).toBe(0);

    const fallbacksBefore = await metric(schedulerOps(), 'llmd_scheduler_fallbacks_total');
    for (const q of ['second question', 'third question']) {
      const { response } = await client.chat.completions.create({ model: ADAPTER, messages: messages('SQL', q), max_tokens: 2 }).withResponse();
      expect(response.headers.get('x-llmd-endpoint')).toBe('sim-1');
    }
    // Routed there by the precise index (a full prefix hit in the decision), with no fallback to the approximate one.
    const decisions = (await (await fetch(`${schedulerOps()}/debug/decisions`)).json()) as { model: string; target?: string; breakdown: { endpointId: string; scores: Record<string, number> }[] }[];
    const last = decisions.find((d) => d.model === ADAPTER);
    expect(last?.target).toBe('sim-1');
    expect(last?.breakdown.find((b) => b.endpointId === 'sim-1')?.scores['prefix']).toBeGreaterThan(0.8);
    expect(last?.breakdown.find((b) => b.endpointId === 'sim-0')?.scores['prefix']).toBe(0);
    expect(await metric(schedulerOps(), 'llmd_scheduler_fallbacks_total')).toBe(fallbacksBefore);
  });

  it('scores a model with no tokenizer approximately, counts it, and keeps precise scoring for the others', async () => {
    const cacheManagerOps = `http://127.0.0.1:${stack.options.ports.cacheManagerOps}`;
    const noTokenizer = () => metric(schedulerOps(), 'llmd_scheduler_fallbacks_total', 'reason="no-tokenizer"');
    const before = await noTokenizer();
    const answer = await client.chat.completions.create({ model: UNKNOWN_FAMILY, messages: messages('geology', 'what is basalt?'), max_tokens: 2 });
    expect(answer.choices[0].message.content?.length).toBeGreaterThan(0);
    expect(await noTokenizer()).toBe(before + 1);
    expect(await metric(cacheManagerOps, 'llmd_cache_manager_untokenized_requests_total', `model="${UNKNOWN_FAMILY}"`)).toBeGreaterThan(0);
    expect(await metric(cacheManagerOps, 'llmd_cache_manager_tokenizer_info', `model="${UNKNOWN_FAMILY}",source="none"`)).toBe(1);
    expect(stack.logs.get('cache-manager')?.some((l) => l.includes('model has no tokenizer') && l.includes(UNKNOWN_FAMILY))).toBe(true);

    // Not a fault of cache-manager: the circuit stays closed, the next Llama-3 request is scored precisely.
    const fallbacks = await metric(schedulerOps(), 'llmd_scheduler_fallbacks_total');
    await client.chat.completions.create({ model: E2E_MODEL, messages: messages('geology', 'what is granite?'), max_tokens: 2 });
    expect(await metric(schedulerOps(), 'llmd_scheduler_fallbacks_total')).toBe(fallbacks);
  });
});
