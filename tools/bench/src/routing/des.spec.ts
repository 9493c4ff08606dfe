import { runDes } from './des';
import { tokenizeMs } from './tokenize-cost';
import { summarize } from './report';
import { longDoc, multiTurn, sharedPrefix, mixed } from './workloads';

const small = (rate: number) => sharedPrefix({ seed: 7, rate, groups: 12, promptsPerGroup: 5, systemTokens: 3000, questionTokens: 300, outputTokens: 100 });

function summary(profile: string, r: Awaited<ReturnType<typeof runDes>>) {
  return summarize({ mode: 'des', workload: 'shared-prefix', profile, pods: 4, rate: 0, wallSec: 0 }, r.outcomes.map((o) => ({ ...o, ok: true })), r.durationMs, { queries: r.prefixQueries, hits: r.prefixHits }, r.requestsPerPod);
}

describe('workloads', () => {
  it('are the same for the same seed, and differ with another', () => {
    expect(small(5)).toEqual(small(5));
    expect(sharedPrefix({ seed: 8, rate: 5, groups: 12 })[0].promptTokenIds).not.toEqual(small(5)[0].promptTokenIds);
  });

  it('shared-prefix: prompts of a group share the system prompt, and arrive at the asked rate', () => {
    const reqs = sharedPrefix({ seed: 1, rate: 20, groups: 30, promptsPerGroup: 5, systemTokens: 600, questionTokens: 100, outputTokens: 10 });
    expect(reqs).toHaveLength(150);
    const group = reqs.filter((r) => r.group === reqs[0].group);
    expect(group).toHaveLength(5);
    for (const r of group) expect(r.promptTokenIds.slice(0, 600)).toEqual(group[0].promptTokenIds.slice(0, 600));
    expect(group[0].promptTokenIds.slice(600)).not.toEqual(group[1].promptTokenIds.slice(600));
    const rate = reqs.length / (reqs[reqs.length - 1].arrivalMs / 1000);
    expect(rate).toBeGreaterThan(15);
    expect(rate).toBeLessThan(26);
  });

  it('multi-turn: a later turn of a session resends the earlier one as its prefix', () => {
    const reqs = multiTurn({ seed: 3, rate: 5, sessions: 2, turns: 4, count: 6, systemTokens: 50, userTokens: 10, answerTokens: 10 });
    const session = reqs.filter((r) => r.group === reqs[0].group);
    expect(session.length).toBeGreaterThan(1);
    expect(session[1].promptTokenIds.slice(0, session[0].promptTokenIds.length)).toEqual(session[0].promptTokenIds);
    expect(session[1].promptTokenIds.length).toBeGreaterThan(session[0].promptTokenIds.length);
  });

  it('long-doc and mixed have the shapes they are named for', () => {
    const docs = longDoc({ seed: 1, rate: 5, documents: 2, questionsPerDoc: 2 });
    for (const r of docs) expect(r.promptTokenIds.length / r.maxTokens).toBeGreaterThan(100);
    const m = mixed({ seed: 1, rate: 5, count: 400 });
    const lengths = m.map((r) => r.promptTokenIds.length).sort((a, b) => a - b);
    expect(lengths[lengths.length - 1]).toBeGreaterThan(lengths[200] * 5); // heavy tail
  });
});

describe('the cluster-scale simulator', () => {
  it('is deterministic: the same workload, seed and profile give the same run', async () => {
    const a = await runDes(small(8), { pods: 4, profile: 'precise-prefix', seed: 1 });
    const b = await runDes(small(8), { pods: 4, profile: 'precise-prefix', seed: 1 });
    expect(a.outcomes).toEqual(b.outcomes);
    expect(a.outcomes).toHaveLength(60);
  });

  it('precise prefix routing finds the shared prefixes that random routing misses, and answers sooner', async () => {
    const random = summary('random', await runDes(small(12), { pods: 4, profile: 'random', seed: 1 }));
    const precise = summary('precise-prefix', await runDes(small(12), { pods: 4, profile: 'precise-prefix', seed: 1 }));
    expect(precise.prefixHitRate).toBeGreaterThan(random.prefixHitRate + 0.2);
    expect(precise.ttftP90Ms).toBeLessThan(random.ttftP90Ms);
    // Every group's prompts land on one pod once its prefix is cached there.
    expect(precise.prefixHitRate).toBeGreaterThan(0.6);
  });

  it('round-robin spreads requests evenly', async () => {
    const r = await runDes(small(8), { pods: 4, profile: 'round-robin', seed: 1 });
    expect(Object.values(r.requestsPerPod)).toEqual([15, 15, 15, 15]);
  });

  it.each(['token-ids', 'text'] as const)('P/D (%s prompts): long prompts go through a prefill pod and decode on a decode pod', async (promptMode) => {
    const reqs = longDoc({ seed: 2, rate: 4, documents: 3, questionsPerDoc: 2, docTokens: 2000, outputTokens: 16 });
    const r = await runDes(reqs, { pods: 3, profile: 'pd', seed: 1, roles: ['prefill', 'decode', 'decode'], promptMode });
    expect(r.outcomes).toHaveLength(reqs.length);
    for (const o of r.outcomes) {
      expect(o.pod).not.toBe('pod-0');
      expect(o.outputTokens).toBe(16);
    }
    expect(r.outcomes.filter((o) => o.prefillPod === 'pod-0').length).toBeGreaterThan(0);
    // The decode side computed (almost) nothing of a prompt that came over the KV link.
    for (const o of r.outcomes.filter((x) => x.prefillPod)) expect(o.cachedTokens).toBeGreaterThanOrEqual(o.promptTokens - 1);
  });
});

describe("the simulator's scheduler policies and prompt modes", () => {
  it('token ids: the Pick costs nothing while flow control is off (as in the live study)', async () => {
    const r = await runDes(small(8), { pods: 4, profile: 'precise-prefix', seed: 1 });
    expect(r.outcomes.every((o) => o.pickMs === 0)).toBe(true);
    expect(r.refused).toEqual([]);
    expect(r.preciseFallbacks).toBe(0);
  });

  it('text prompts: each Pick waits for the Score to tokenize the prompt, and each pod tokenizes it again', async () => {
    const reqs = small(8);
    const ids = await runDes(reqs, { pods: 4, profile: 'precise-prefix', seed: 1 });
    const text = await runDes(reqs, { pods: 4, profile: 'precise-prefix', seed: 1, promptMode: 'text' });
    expect(text.preciseFallbacks).toBe(0);
    for (const o of text.outcomes) expect(o.pickMs).toBeGreaterThanOrEqual(tokenizeMs(o.promptTokens) - 1e-9);
    const ttft = (r: typeof ids) => r.outcomes.reduce((s, o) => s + o.ttftMs, 0) / r.outcomes.length;
    // The Score's and the pod's tokenization, at least, on every request's time to first token.
    expect(ttft(text) - ttft(ids)).toBeGreaterThan(2 * tokenizeMs(3300) * 0.9);
  });

  it('text prompts: a tokenizer too slow for the precise deadline makes every Pick fall back to the approximate index', async () => {
    const reqs = small(8);
    const r = await runDes(reqs, { pods: 4, profile: 'precise-prefix', seed: 1, promptMode: 'text', tokenizeCost: { fixedMs: 60, perTokenMs: 0 } });
    expect(r.preciseFallbacks).toBe(reqs.length);
    // The Pick goes at the lookup's deadline (50 ms), not when the tokenizer is done.
    expect(Math.min(...r.outcomes.map((o) => o.pickMs))).toBeCloseTo(50, 6);
  });

  it('text prompts: Scores queue on cache-manager\'s tokenizer workers under a burst', async () => {
    // 300 requests/s against about 7 ms of tokenizing each: one worker falls behind, four keep up.
    const burst = small(300);
    const one = await runDes(burst, { pods: 4, profile: 'precise-prefix', seed: 1, promptMode: 'text', tokenizerWorkers: 1 });
    const four = await runDes(burst, { pods: 4, profile: 'precise-prefix', seed: 1, promptMode: 'text', tokenizerWorkers: 4 });
    const meanPick = (r: typeof one) => r.outcomes.reduce((s, o) => s + o.pickMs, 0) / r.outcomes.length;
    expect(meanPick(one)).toBeGreaterThan(2 * meanPick(four));
    expect(one.preciseFallbacks).toBeGreaterThan(0);
    expect(one.preciseFallbacks).toBeGreaterThan(four.preciseFallbacks);
  });

  it.each([
    ['holds requests while every pod is saturated, and lets them go as room appears', { queueDepthThreshold: 1, kvCacheUsageThreshold: 1, maxQueueSize: 1000 }, 0],
    ['refuses what it cannot hold', { queueDepthThreshold: 1, kvCacheUsageThreshold: 1, maxQueueSize: 0 }, 1],
  ])('flow control (the scheduler\'s own): %s', async (_name, policy, minRefused) => {
    const reqs = small(200);
    const r = await runDes(reqs, { pods: 4, profile: 'load-only', seed: 1, flowControl: { enabled: true, ...policy } });
    expect(r.outcomes.length + r.refused.length).toBe(reqs.length);
    expect(r.refused.length).toBeGreaterThanOrEqual(minRefused);
    for (const x of r.refused) expect(x.reason).toBe('queue-full');
    if (minRefused === 0) expect(r.outcomes.some((o) => o.pickMs > 0)).toBe(true);
  });
});
