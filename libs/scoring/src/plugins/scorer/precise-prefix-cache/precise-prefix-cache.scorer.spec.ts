import { CycleState, PrefixCacheLookup } from '../../../framework';
import { makeEndpoint, makeRequest } from '../../../testing';
import { PREFIX_MATCH } from '../../shared/prefix-state';
import { PrecisePrefixCacheScorer, TargetedPrefixCacheLookup } from './precise-prefix-cache.scorer';

const params = { chunkSize: 8, tokenChunkSize: 4, maxChunks: 100, lruCapacityPerEndpoint: 100, timeoutMs: 50 };
const endpoints = ['a', 'b'].map((id) => makeEndpoint(id).build());
const prompt = 'x'.repeat(80);

/** A scorer whose approximate fallback saw the prompt go to b, prefetched and prepared for it again. */
async function prepared(lookup: PrefixCacheLookup | undefined) {
  const fallbacks: string[] = [];
  const scorer = new PrecisePrefixCacheScorer('p', params, lookup, (r) => fallbacks.push(r));
  const s0 = new CycleState();
  scorer.prepare(s0, makeRequest({ prompt }), endpoints);
  scorer.onPicked(s0, makeRequest({ prompt }), { primaryProfile: 'd', profileResults: { d: { targets: [endpoints[1]] } } });
  const state = new CycleState();
  await scorer.prefetch(state, makeRequest({ prompt }), endpoints);
  scorer.prepare(state, makeRequest({ prompt }), endpoints);
  return { scorer, state, fallbacks };
}

async function run(lookup: PrefixCacheLookup | undefined) {
  const { scorer, state, fallbacks } = await prepared(lookup);
  const scores = Object.fromEntries(await scorer.score(state, makeRequest({ prompt }), endpoints));
  return { scores, fallbacks, match: state.read(PREFIX_MATCH) };
}

describe('PrecisePrefixCacheScorer', () => {
  it('uses the index when it answers, and shares its figures through the cycle state', async () => {
    const { scores, fallbacks, match } = await run({ score: async () => new Map([['a', 0.9], ['b', 0.1]]) });
    expect(scores).toEqual({ a: 0.9, b: 0.1 });
    expect(fallbacks).toEqual([]);
    expect(match?.matched.get('a')).toBe(9);
  });

  it('gives the filters that run before scoring the index figures, not the approximate ones', async () => {
    const { state } = await prepared({ score: async () => new Map([['a', 0.9], ['b', 0.1]]) });
    // The approximate index believes b holds all 10 chunks; the index says 10% of them.
    expect(Object.fromEntries(state.read(PREFIX_MATCH)?.matched ?? [])).toEqual({ a: 9, b: 1 });
  });

  it('does no I/O while scoring: without a prefetch it falls back rather than asking the index', async () => {
    let asked = 0;
    const scorer = new PrecisePrefixCacheScorer('p', params, { score: async () => (asked++, new Map()) }, () => undefined);
    const state = new CycleState();
    scorer.prepare(state, makeRequest({ prompt }), endpoints);
    const scores = scorer.score(state, makeRequest({ prompt }), endpoints);
    expect(scores).toBeInstanceOf(Map);
    expect(asked).toBe(0);
  });

  it.each([
    ['the index fails', { score: async () => Promise.reject(Object.assign(new Error('down'), { reason: 'unavailable' })) }, 'unavailable'],
    ['no index is configured', undefined, 'no-index'],
  ])('falls back to the approximate index when %s, and counts it', async (_name, lookup, reason) => {
    const { scores, fallbacks } = await run(lookup as PrefixCacheLookup | undefined);
    expect(scores).toEqual({ a: 0, b: 1 });
    expect(fallbacks).toEqual([reason]);
  });

  it.each([
    ['a base model', 'llama', { model: 'llama' }],
    ['a LoRA adapter, under its base model with its name', 'sql', { model: 'llama', lora: 'sql' }],
  ])('asks the index for %s and records the pick under the same target', async (_name, model, expected) => {
    const asked: unknown[] = [];
    const recorded: unknown[] = [];
    const lookup: TargetedPrefixCacheLookup = {
      score: async (_r, _ids, _ms, target) => (asked.push(target), new Map([['b', 1]])),
      recordPick: (_r, id, target) => recorded.push([id, target]),
    };
    const pods = [makeEndpoint('a').models('llama').build(), makeEndpoint('b').models('llama').lora('sql').build()];
    const scorer = new PrecisePrefixCacheScorer('p', params, lookup, () => undefined);
    const state = new CycleState();
    await scorer.prefetch(state, makeRequest({ prompt, model }), pods);
    scorer.prepare(state, makeRequest({ prompt, model }), pods);
    scorer.onPicked(state, makeRequest({ prompt, model }), { primaryProfile: 'd', profileResults: { d: { targets: [pods[1]] } } });
    expect(asked).toEqual([expected]);
    expect(recorded).toEqual([['b', expected]]);
  });
});
