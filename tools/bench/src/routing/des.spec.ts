import { runDes } from './des';
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

  it('P/D: long prompts go through a prefill pod and decode on a decode pod', async () => {
    const reqs = longDoc({ seed: 2, rate: 4, documents: 3, questionsPerDoc: 2, docTokens: 2000, outputTokens: 16 });
    const r = await runDes(reqs, { pods: 3, profile: 'pd', seed: 1, roles: ['prefill', 'decode', 'decode'] });
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
