// The contract every scorer keeps, as a reusable suite: scores in [0,1] for every candidate, the same
// scores for the same inputs, and inputs left untouched.
import { CycleState, Endpoint, isPrefetcher, isPreparer, Scorer, SchedulingRequest } from '../framework';
import { makeEndpoint, makeRequest } from './endpoint.builder';

const fleet = (): Endpoint[] => [
  makeEndpoint('idle').build(),
  makeEndpoint('busy').queue(12).running(40).kvUsage(0.92).inFlight(9).inFlightTokens(90000).build(),
  makeEndpoint('mid').queue(3).running(8).kvUsage(0.4).inFlight(2).inFlightTokens(5000).lora('adapter').loras(['adapter'], [], 2).build(),
  makeEndpoint('stale').scrapedAt(1).build(),
];

const requests = (): SchedulingRequest[] => [
  makeRequest(),
  makeRequest({ prompt: 'a long shared system prompt. '.repeat(300), sessionId: 's1', ttftSloMs: 200 }),
  makeRequest({ prompt: '', promptTokenIds: Array.from({ length: 300 }, (_, i) => i), model: 'adapter' }),
];

async function scoreOnce(scorer: Scorer, request: SchedulingRequest, endpoints: Endpoint[]): Promise<ReadonlyMap<string, number>> {
  const state = new CycleState();
  if (isPrefetcher(scorer)) await scorer.prefetch(state, request, endpoints);
  if (isPreparer(scorer)) scorer.prepare(state, request, endpoints);
  return scorer.score(state, request, endpoints);
}

/** Runs the scorer contract against `make()` (a fresh scorer per check). */
export function describeScorerContract(name: string, make: () => Scorer): void {
  describe(`${name} keeps the scorer contract`, () => {
    it.each(requests().map((r, i) => [i, r] as const))('scores every candidate in [0,1] (request %d)', async (_i, request) => {
      const endpoints = fleet();
      const scores = await scoreOnce(make(), request, endpoints);
      for (const e of endpoints) {
        const s = scores.get(e.id);
        expect(typeof s).toBe('number');
        expect(s).toBeGreaterThanOrEqual(0);
        expect(s).toBeLessThanOrEqual(1);
      }
    });

    it('is deterministic for the same inputs', async () => {
      const [a, b] = [await scoreOnce(make(), requests()[1], fleet()), await scoreOnce(make(), requests()[1], fleet())];
      expect([...a]).toEqual([...b]);
    });

    it('does not mutate its inputs', async () => {
      const endpoints = fleet();
      const request = requests()[1];
      const before = JSON.stringify([endpoints, request]);
      await scoreOnce(make(), request, endpoints);
      expect(JSON.stringify([endpoints, request])).toBe(before);
    });

    it('gives the same scores through its fast path (scoreInto), when it has one', async () => {
      for (const request of requests()) {
        const endpoints = fleet();
        const viaMap = await scoreOnce(make(), request, endpoints);
        const scorer = make();
        if (!scorer.scoreInto) return;
        const state = new CycleState();
        if (isPrefetcher(scorer)) await scorer.prefetch(state, request, endpoints);
        if (isPreparer(scorer)) scorer.prepare(state, request, endpoints);
        const out = new Float64Array(endpoints.length);
        scorer.scoreInto(state, request, endpoints, out);
        expect(Array.from(out)).toEqual(endpoints.map((e) => viaMap.get(e.id) ?? 0));
      }
    });

    it('has a category', () => {
      expect(['affinity', 'distribution', 'balance']).toContain(make().category);
    });
  });
}
