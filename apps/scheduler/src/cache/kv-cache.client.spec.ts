import { sendUnaryData, ServerUnaryCall, status } from '@grpc/grpc-js';
import { cachev1 } from '@llmd/proto';
import { GrpcServer } from '@llmd/platform';
import { makeRequest } from '@llmd/scoring/testing';
import { IndexUnavailableError, KvCacheClient } from './kv-cache.client';

/** A KvCache server that records what it is asked and answers Score as `answer` says. */
type Answer = { code: status; details: string } | cachev1.ScoreResponse;

function fakeKvCache(answer: (r: cachev1.ScoreRequest) => Answer | Promise<Answer>) {
  const scored: cachev1.ScoreRequest[] = [];
  const speculated: cachev1.SpeculateRequest[] = [];
  let onSpeculate = () => undefined as void;
  const implementation: cachev1.KvCacheServer = {
    score(call: ServerUnaryCall<cachev1.ScoreRequest, cachev1.ScoreResponse>, cb: sendUnaryData<cachev1.ScoreResponse>) {
      scored.push(call.request);
      void Promise.resolve(answer(call.request)).then((a) => ('code' in a ? cb(a) : cb(null, a)));
    },
    speculate(call: ServerUnaryCall<cachev1.SpeculateRequest, cachev1.SpeculateResponse>, cb: sendUnaryData<cachev1.SpeculateResponse>) {
      speculated.push(call.request);
      cb(null, { blocks: 0 });
      onSpeculate();
    },
    stats: (_c: unknown, cb: sendUnaryData<cachev1.StatsResponse>) => cb(null, { indexedBlocks: 0n, endpoints: [] }),
  };
  const server = new GrpcServer([{ definition: cachev1.KvCacheService, implementation }]);
  const speculatedOnce = () => new Promise<void>((resolve) => (onSpeculate = resolve));
  return { server, scored, speculated, speculatedOnce };
}

describe('KvCacheClient', () => {
  let fake: ReturnType<typeof fakeKvCache>;
  let client: KvCacheClient;
  const open = async (answer: Parameters<typeof fakeKvCache>[0], lateAnswerMs?: number) => {
    fake = fakeKvCache(answer);
    const port = await fake.server.start('127.0.0.1', 0);
    client = new KvCacheClient(`127.0.0.1:${port}`, { failureThreshold: 1, openMs: 60000, maxOpenMs: 60000 }, lateAnswerMs);
  };
  afterEach(async () => {
    client.close();
    await fake.server.stop(0);
  });

  it('asks under the base model with the adapter name, and records the pick under the same', async () => {
    await open(() => ({ scores: [{ endpointId: 'b', score: 0.5, tiers: [] }], blockSize: 16, promptBlocks: 2 }));
    const request = makeRequest({ model: 'sql', prompt: 'hello' });
    const scores = await client.score(request, ['a', 'b'], 5000, { model: 'llama', lora: 'sql' });
    const speculated = fake.speculatedOnce();
    client.recordPick(request, 'b', { model: 'llama', lora: 'sql' });
    await speculated;
    expect(scores.get('b')).toBe(0.5);
    expect(fake.scored.map((r) => [r.model, r.loraName])).toEqual([['llama', 'sql']]);
    expect(fake.speculated.map((r) => [r.model, r.loraName, r.endpointId])).toEqual([['llama', 'sql', 'b']]);
  });

  it('takes FAILED_PRECONDITION (no tokenizer for the model) as "approximate for this request", without opening the circuit', async () => {
    await open((r) => (r.model === 'no-tok' ? { code: status.FAILED_PRECONDITION, details: 'no tokenizer for model no-tok' } : { scores: [], blockSize: 16, promptBlocks: 0 }));
    const failed = await client.score(makeRequest({ model: 'no-tok', prompt: 'x' }), ['a'], 5000).catch((e: IndexUnavailableError) => e);
    expect(failed).toBeInstanceOf(IndexUnavailableError);
    expect((failed as IndexUnavailableError).reason).toBe('no-tokenizer');
    // A threshold of 1 would have opened the circuit on any counted failure: the next model is still asked.
    await expect(client.score(makeRequest({ model: 'llama', prompt: 'x' }), ['a'], 5000)).resolves.toBeInstanceOf(Map);
    expect(fake.scored.map((r) => r.model)).toEqual(['no-tok', 'llama']);
  });

  it('opens the circuit on an internal error', async () => {
    await open(() => ({ code: status.INTERNAL, details: 'boom' }));
    await expect(client.score(makeRequest({ prompt: 'x' }), ['a'], 5000)).rejects.toMatchObject({ reason: 'unavailable' });
    await expect(client.score(makeRequest({ prompt: 'x' }), ['a'], 5000)).rejects.toMatchObject({ reason: 'circuit-open' });
    expect(fake.scored).toHaveLength(1);
  });

  it('falls back for a request whose answer is late, but keeps asking: a late answer means slow, not down', async () => {
    const held: (() => void)[] = [];
    const ok: Answer = { scores: [{ endpointId: 'a', score: 1, tiers: [] }], blockSize: 16, promptBlocks: 1 };
    await open(() => new Promise<Answer>((resolve) => held.push(() => resolve(ok))), 60000);
    for (let i = 0; i < 3; i++) {
      // Nothing answers until the request has given up waiting; then the answer comes.
      await expect(client.score(makeRequest({ prompt: `p${i}` }), ['a'], 1)).rejects.toMatchObject({ reason: 'deadline' });
      await until(() => held.length > 0);
      held.shift()?.();
    }
    // A threshold of 1 would have opened the circuit on one counted failure: the next request is asked and answered.
    const next = client.score(makeRequest({ prompt: 'p3' }), ['a'], 60000);
    await until(() => held.length > 0);
    held.shift()?.();
    expect((await next).get('a')).toBe(1);
    expect(fake.scored).toHaveLength(4);
  });

  it('uses an answer that reached the socket in time when this loop was held past the deadline (no fallback)', async () => {
    const ok: Answer = { scores: [{ endpointId: 'a', score: 1, tiers: [] }], blockSize: 16, promptBlocks: 1 };
    let holdLoop = false;
    // Once the answer is written (the server flushes it after this turn's I/O), the loop is held past
    // the client's deadline, as a GC pause or a busy core holds it: the timer and the answer are then due together.
    await open(() => {
      if (holdLoop) setImmediate(() => setImmediate(() => holdPast(20)));
      return ok;
    });
    await client.score(makeRequest({ prompt: 'warm' }), ['a'], 5000);
    holdLoop = true;
    const scores = await client.score(makeRequest({ prompt: 'x' }), ['a'], 10);
    expect(scores.get('a')).toBe(1);
  });

  it('counts a call with no answer even late as a failure (the circuit opens)', async () => {
    await open(() => new Promise<Answer>(() => undefined), 1);
    await expect(client.score(makeRequest({ prompt: 'x' }), ['a'], 1)).rejects.toMatchObject({ reason: 'deadline' });
    await until(async () => (await client.score(makeRequest({ prompt: 'y' }), ['a'], 1).catch((e: IndexUnavailableError) => e.reason)) === 'circuit-open');
  });
});

/** Holds the event loop, as a long GC pause does, past `ms` (the deadline under test). */
function holdPast(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy: nothing else on this loop runs
  }
}

/** Polls a condition (the gRPC round trip is asynchronous) without asserting on time. */
async function until(cond: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 2000 && !(await cond()); i++) await new Promise((r) => setTimeout(r, 5));
  if (!(await cond())) throw new Error('condition not met');
}
