// The scheduler against real vllm-sim pods over gRPC: bursts spread, shared prefixes stick until the
// pod saturates, dead pods drop out within a staleness bound, P/D triggers only above its threshold.
import type { LocalStack } from '@llmd/cli';
import { pickRequestOf } from '@llmd/platform';
import { schedulerv1 } from '@llmd/proto';
import { TestSchedulerClient } from '../support/scheduler-client';
import { E2E_MODEL, startTestStack } from '../support/test-stack';
import { until } from '../support/until';

const schedulerAddress = (s: LocalStack) => `127.0.0.1:${s.options.ports.scheduler}`;
const count = (ids: string[]) => ids.reduce<Record<string, number>>((m, id) => ({ ...m, [id]: (m[id] ?? 0) + 1 }), {});

describe('scheduler with real pods (unified)', () => {
  let stack: LocalStack;
  let client: TestSchedulerClient;
  const system = 'You are the routing test assistant. Follow the house rules carefully. '.repeat(40);

  beforeAll(async () => {
    stack = await startTestStack(3, { simArgs: ['--max-num-seqs', '2'], schedulerEnv: { LLMD_SCHEDULER_STALE_AFTER_MS: '1000' } });
    client = new TestSchedulerClient(schedulerAddress(stack));
  }, 120000);

  afterAll(async () => {
    client?.close();
    await stack?.stop();
  });

  it('spreads a burst of cold requests between scrapes (in-flight accounting)', async () => {
    const picks = await Promise.all(Array.from({ length: 30 }, (_, i) => client.pick(E2E_MODEL, `cold prompt number ${i} `.repeat(20))));
    const spread = count(picks.map((p) => p.target!.id));
    expect(Object.keys(spread).sort()).toEqual(['sim-0', 'sim-1', 'sim-2']);
    for (const n of Object.values(spread)) expect(n).toBeGreaterThanOrEqual(5);
    await Promise.all(picks.map((_, i) => client.complete(`t-${process.pid}-${i}`)));
  });

  it('keeps a shared prefix on one pod, and moves off it once that pod saturates', async () => {
    const first = await client.pick(E2E_MODEL, `${system} question 0`);
    const home = first.target!.id;
    const again = await Promise.all(Array.from({ length: 8 }, (_, i) => client.pick(E2E_MODEL, `${system} question ${i + 1}`)));
    expect(new Set(again.map((p) => p.target!.id))).toEqual(new Set([home]));
    const prefixScore = again[0].breakdown.find((b) => b.endpointId === home)?.scores['prefix'];
    expect(prefixScore).toBeGreaterThan(0.9);

    // Load the home pod for real: 8 long generations on a pod that runs 2 at a time leaves 6 waiting.
    const port = stack.options.ports.sims[Number(home.split('-')[1])];
    const load = new AbortController();
    for (let i = 0; i < 8; i++) {
      void fetch(`http://127.0.0.1:${port}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: E2E_MODEL, prompt: `load ${i}`, max_tokens: 20000, ignore_eos: true }), signal: load.signal }).catch(() => undefined);
    }
    try {
      await until(async () => (await client.pick(E2E_MODEL, `${system} question saturated`)).target!.id !== home);
      const moved = await client.pick(E2E_MODEL, `${system} question moved`);
      expect(moved.target!.id).not.toBe(home);
    } finally {
      load.abort();
    }
  });

  it('answers Picks over PickStream (the gateway\'s transport), each matched to its request; a bad one fails alone', async () => {
    const pool = client.streamPool(2);
    const inFlight = async () => (await client.listEndpoints()).reduce((n, e) => n + e.inFlight, 0);
    const before = await inFlight();
    try {
      const ids = Array.from({ length: 20 }, (_, i) => `stream-${process.pid}-${i}`);
      const answers = await Promise.all(ids.map((id, i) => pool.pick(schedulerv1.PickRequest.fromPartial({ requestId: id, model: E2E_MODEL, prompt: `stream prompt ${i} `.repeat(10) }), 5000, {})));
      for (const a of answers) expect(['sim-0', 'sim-1', 'sim-2']).toContain(a.target?.id);
      await expect(pool.pick(schedulerv1.PickRequest.fromPartial({ requestId: `stream-${process.pid}-bad`, model: '' }), 5000, {})).rejects.toMatchObject({ code: 3 });
      const after = await pool.pick(schedulerv1.PickRequest.fromPartial({ requestId: `stream-${process.pid}-after`, model: E2E_MODEL, prompt: 'after the bad one' }), 5000, {});
      expect(after.target).toBeDefined();
      expect(await inFlight()).toBe(before + 21);
      // Completions ride the stream: the in-flight counts drop back.
      for (const id of [...ids, `stream-${process.pid}-after`]) pool.complete(id);
      await until(async () => (await inFlight()) === before);
    } finally {
      pool.close();
    }
  });

  it('counts a streamed request\'s prompt as prefill work on its pod until its first token is reported (stream or unary), the request until it completes', async () => {
    const pool = client.streamPool(1);
    const state = async (id: string) => (await client.listEndpoints()).find((e) => e.endpoint?.id === id)!;
    const ids = [`prefill-${process.pid}-stream`, `prefill-${process.pid}-unary`];
    try {
      const picks = [];
      for (const [i, requestId] of ids.entries()) {
        const promptTokenIds = Array.from({ length: 1500 + i * 500 }, (_, t) => 2000 + ((t * 7919 + i) % 50000));
        picks.push(await pool.pick(schedulerv1.PickRequest.fromPartial({ requestId, model: E2E_MODEL, promptTokenIds, maxTokens: 16, reportsFirstToken: true }), 5000, {}));
      }
      const targets = picks.map((p) => p.target!.id);
      const prefillOn = async (id: string) => (await state(id)).inFlightPrefillTokens;
      const expected = (id: string) => [1500, 2000].filter((_, i) => targets[i] === id).reduce((a, b) => a + b, 0);
      for (const id of new Set(targets)) expect(await prefillOn(id)).toBe(expected(id));
      const inFlightBefore = await Promise.all(targets.map(async (id) => (await state(id)).inFlight));

      // The first token on the stream, then as a unary Complete with first_token set: the prefill work
      // leaves, the requests stay in flight.
      pool.firstToken(ids[0]);
      await until(async () => (await prefillOn(targets[0])) === expected(targets[0]) - 1500);
      expect(await client.firstToken(ids[1])).toBe(true);
      for (const id of new Set(targets)) expect(await prefillOn(id)).toBe(0);
      expect(await Promise.all(targets.map(async (id) => (await state(id)).inFlight))).toEqual(inFlightBefore);

      for (const id of ids) pool.complete(id);
      await until(async () => (await Promise.all(targets.map(async (id) => (await state(id)).inFlight))).every((n, i) => n < inFlightBefore[i]));
    } finally {
      pool.close();
    }
  });

  it('routes a Pick sent as the gateway sends it (the prompt as the digest the scheduler publishes) where the same text went', async () => {
    const spec = await client.digestSpec();
    expect(spec).toMatchObject({ chunkSize: 64, tokenChunkSize: 16, maxChunks: 256 });
    const prefix = 'Digest routing: the gateway sends chunk hashes, not the prompt. '.repeat(30);
    const first = await client.pick(E2E_MODEL, `${prefix} question 0`);
    const home = first.target!.id;
    const pool = client.streamPool(1);
    try {
      // Three in a row, none completed: without the prefix, in-flight accounting would spread them.
      for (let i = 1; i <= 3; i++) {
        const input = { requestId: `digest-${process.pid}-${i}`, model: E2E_MODEL, prompt: `${prefix} question ${i}`, messages: [], promptTokenIds: [] };
        const request = pickRequestOf(input, spec);
        expect(request.promptDigest?.chunkHashes.length).toBeGreaterThan(0);
        // The text goes only where the profile asks for it (the precise index tokenizes it).
        expect(request.prompt).toBe(spec!.needsText ? input.prompt : '');
        const answer = await pool.pick(request, 5000, {});
        expect(answer.target?.id).toBe(home);
      }
      for (let i = 1; i <= 3; i++) pool.complete(`digest-${process.pid}-${i}`);
    } finally {
      pool.close();
    }
  });

  it('stops sending traffic to a dead pod within one staleness bound', async () => {
    await stack.kill('sim-2', 'SIGKILL');
    await new Promise((r) => setTimeout(r, 1200)); // the staleness bound (1 s) and a scrape
    const picks = await Promise.all(Array.from({ length: 20 }, (_, i) => client.pick(E2E_MODEL, `after death ${i} `.repeat(10))));
    expect(picks.map((p) => p.target!.id)).not.toContain('sim-2');
    for (const p of picks) expect(p.fallbacks.map((f) => f.id)).not.toContain('sim-2');
  });
});

describe('scheduler with real pods (P/D)', () => {
  let stack: LocalStack;
  let client: TestSchedulerClient;

  beforeAll(async () => {
    stack = await startTestStack(3, { roles: ['prefill', 'decode', 'decode'], schedulerEnv: { LLMD_SCHEDULER_PROFILE: 'pd' } });
    client = new TestSchedulerClient(schedulerAddress(stack));
  }, 120000);

  afterAll(async () => {
    client?.close();
    await stack?.stop();
  });

  it.each([
    ['a short prompt is served decode-only', 'short question', false],
    ['a long uncached prompt gets a prefill pod', 'a long document to summarise. '.repeat(120), true],
  ])('%s', async (_name, prompt, disaggregated) => {
    const p = await client.pick(E2E_MODEL, prompt);
    expect(['sim-1', 'sim-2']).toContain(p.target!.id);
    if (disaggregated) {
      expect(p.prefill?.id).toBe('sim-0');
      expect(p.profile).toBe('decode,prefill');
    } else {
      expect(p.prefill).toBeUndefined();
      expect(p.profile).toBe('decode');
    }
  });
});

describe('flow control with real pods', () => {
  let stack: LocalStack;
  let client: TestSchedulerClient;

  beforeAll(async () => {
    stack = await startTestStack(2, { simArgs: ['--max-num-seqs', '1'], schedulerEnv: { LLMD_SCHEDULER_OBJECTIVES: '{"batch":-1,"interactive":10}' } });
    client = new TestSchedulerClient(schedulerAddress(stack));
  }, 120000);

  afterAll(async () => {
    client?.close();
    await stack?.stop();
  });

  it('sheds sheddable requests with a reason while every pod is saturated, holds the others until there is room', async () => {
    // Saturate both pods: each runs one sequence at a time, so six long generations leave five waiting.
    const load = new AbortController();
    for (const port of stack.options.ports.sims) {
      for (let i = 0; i < 6; i++) {
        void fetch(`http://127.0.0.1:${port}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: E2E_MODEL, prompt: `load ${i}`, max_tokens: 20000, ignore_eos: true }), signal: load.signal }).catch(() => undefined);
      }
    }
    try {
      await until(async () => (await client.pick(E2E_MODEL, 'probe', { objective: 'batch' })).droppedReason === 'saturated-sheddable');

      // Through the gateway: a 429 that says why.
      const res = await fetch(`${stack.gatewayUrl}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-llm-d-inference-objective': 'batch' },
        body: JSON.stringify({ model: E2E_MODEL, prompt: 'shed me', max_tokens: 2 }),
      });
      expect(res.status).toBe(429);
      expect(res.headers.get('x-llm-d-request-dropped-reason')).toBe('saturated-sheddable');
      expect(res.headers.get('retry-after')).toBe('1');
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('rate_limited');

      // A normal request waits in the queue; when the load goes away it is admitted.
      const held = client.pick(E2E_MODEL, 'patient request', { objective: 'interactive' });
      await new Promise((r) => setTimeout(r, 300));
      load.abort();
      const admitted = await held;
      expect(admitted.droppedReason).toBe('');
      expect(admitted.target).toBeDefined();
    } finally {
      load.abort();
    }
  });
});
