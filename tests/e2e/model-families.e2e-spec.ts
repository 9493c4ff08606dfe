// Precise prefix routing for more than one base model, through the gateway with the real OpenAI
// client: a LoRA adapter's prompt is routed to the pod holding its adapter's blocks (vLLM keys them by
// the adapter's name), and a model cache-manager has no tokenizer for is scored approximately, counted,
// never by zeros and without opening the scheduler's circuit to cache-manager.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, Metadata } from '@grpc/grpc-js';
import type { LocalStack } from '@llmd/cli';
import { cachev1 } from '@llmd/proto';
import { PRECISE_PREFIX_CONFIG } from '@llmd/scoring';
import OpenAI from 'openai';
import { TestSchedulerClient } from '../support/scheduler-client';
import { E2E_MODEL, startTestStack } from '../support/test-stack';
import { until } from '../support/until';

const ADAPTER = 'e2e-sql-lora';

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
    stack = await startTestStack(2, {
      simArgs: ['--enable-lora', '--lora-modules', `${ADAPTER}=/adapters/sql`],
      schedulerEnv: { LLMD_SCHEDULER_PICKER_CONFIG: PATIENT_PRECISE, LLMD_SCHEDULER_REGISTRY_DIR: registryDir },
    });
    // The pods serve the adapter; the scheduler learns it as vLLM deployments declare it: in the
    // endpoint's spec (the registry entry replaces the static one of the same id).
    stack.options.ports.sims.forEach((port, i) =>
      writeFileSync(join(registryDir, `sim-${i}.json`), JSON.stringify({ id: `sim-${i}`, address: `127.0.0.1:${port}`, models: [E2E_MODEL], loraAdapters: [ADAPTER] })),
    );
    scheduler = new TestSchedulerClient(`127.0.0.1:${stack.options.ports.scheduler}`);
    await until(async () => (await scheduler.listEndpoints()).filter((e) => e.endpoint?.loraAdapters.includes(ADAPTER)).length === 2, 30000);
    kv = new cachev1.KvCacheClient(`127.0.0.1:${stack.options.ports.cacheManager}`, credentials.createInsecure());
    client = new OpenAI({ baseURL: `${stack.gatewayUrl}/v1`, apiKey: 'unused-locally', maxRetries: 0 });
    // The gateway refreshes its endpoint snapshot on its own interval: it serves the adapter once it lists it.
    await until(async () => (await client.models.list()).data.some((m) => m.id === ADAPTER), 30000);
  }, 150000);

  afterAll(async () => {
    scheduler?.close();
    kv?.close();
    await stack?.stop();
    if (registryDir) rmSync(registryDir, { recursive: true, force: true });
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
});
