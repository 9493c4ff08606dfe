import { digestPrompt } from '@llmd/prefix-hash';
import { CycleState } from '../../../framework';
import { SHIPPED_CONFIGS } from '../../default-config';
import { estimateTokens } from '../../shared/normalize';
import { promptDigestSpecOf } from '../../shared/prompt-digest-spec';
import { makeEndpoint, makeRequest } from '../../../testing';
import { ApproxPrefixCacheScorer } from './approx-prefix-cache.scorer';

const params = { chunkSize: 8, tokenChunkSize: 4, maxChunks: 100, lruCapacityPerEndpoint: 1000 };
const endpoints = ['a', 'b'].map((id) => makeEndpoint(id).build());

function route(scorer: ApproxPrefixCacheScorer, prompt: string, to: string): void {
  const state = new CycleState();
  scorer.prepare(state, makeRequest({ prompt }), endpoints);
  scorer.onPicked(state, makeRequest({ prompt }), { primaryProfile: 'd', profileResults: { d: { targets: [endpoints.find((e) => e.id === to)!] } } });
}

function scores(scorer: ApproxPrefixCacheScorer, prompt: string, model = 'test-model'): Record<string, number> {
  const state = new CycleState();
  const req = makeRequest({ prompt, model });
  scorer.prepare(state, req, endpoints);
  return Object.fromEntries(scorer.score(state, req, endpoints));
}

describe('ApproxPrefixCacheScorer', () => {
  const system = 'SYSTEM PROMPT 0123456789abcdef'; // 30 chars: 3 full chunks of 8 (24 chars)

  it.each([
    ['a prompt routed before scores 1 where it went', system, { a: 1, b: 0 }],
    ['a prompt sharing the first two chunks', system.slice(0, 16) + 'zzzzzzzzzzzzzz', { a: 2 / 3, b: 0 }],
    ['an unrelated prompt', 'completely different text here!', { a: 0, b: 0 }],
    ['a prompt shorter than a chunk', 'short', { a: 0, b: 0 }],
  ])('%s', (_name, prompt, expected) => {
    const scorer = new ApproxPrefixCacheScorer('p', params);
    route(scorer, system, 'a');
    const got = scores(scorer, prompt);
    expect(got.a).toBeCloseTo(expected.a, 9);
    expect(got.b).toBeCloseTo(expected.b, 9);
  });

  it('keeps models apart', () => {
    const scorer = new ApproxPrefixCacheScorer('p', params);
    route(scorer, system, 'a');
    expect(scores(scorer, system, 'other-model').a).toBe(0);
  });

  it('records token prompts by token chunks', () => {
    const scorer = new ApproxPrefixCacheScorer('p', params);
    const tokens = [1, 2, 3, 4, 5, 6, 7, 8];
    const state = new CycleState();
    scorer.prepare(state, makeRequest({ prompt: '', promptTokenIds: tokens }), endpoints);
    scorer.onPicked(state, makeRequest(), { primaryProfile: 'd', profileResults: { d: { targets: [endpoints[1]] } } });
    const s2 = new CycleState();
    scorer.prepare(s2, makeRequest({ prompt: '', promptTokenIds: [1, 2, 3, 4, 9, 9, 9, 9] }), endpoints);
    expect(Object.fromEntries(scorer.score(s2, makeRequest(), endpoints))).toEqual({ a: 0, b: 0.5 });
  });
});

describe('ApproxPrefixCacheScorer with a caller-computed digest (the gateway sends hashes, not text)', () => {
  const system = 'SYSTEM PROMPT 0123456789abcdef';
  const withDigest = (prompt: string, spec = { chunkSize: 8, tokenChunkSize: 4, maxChunks: 100 }) => makeRequest({ prompt: '', digest: digestPrompt(spec, 'test-model', prompt) });

  it.each([
    ['the same prompt', system, { a: 1, b: 0 }],
    ['a prompt sharing the first two chunks', system.slice(0, 16) + 'zzzzzzzzzzzzzz', { a: 2 / 3, b: 0 }],
    ['an unrelated prompt', 'completely different text here!', { a: 0, b: 0 }],
  ])('scores %s as the text would', (_name, prompt, expected) => {
    const scorer = new ApproxPrefixCacheScorer('p', params);
    route(scorer, system, 'a');
    const state = new CycleState();
    const req = withDigest(prompt);
    scorer.prepare(state, req, endpoints);
    const got = Object.fromEntries(scorer.score(state, req, endpoints));
    expect(got.a).toBeCloseTo(expected.a, 9);
    expect(got.b).toBeCloseTo(expected.b, 9);
  });

  it('records a digested pick where a later text prompt finds it', () => {
    const scorer = new ApproxPrefixCacheScorer('p', params);
    const state = new CycleState();
    const req = withDigest(system);
    scorer.prepare(state, req, endpoints);
    scorer.onPicked(state, req, { primaryProfile: 'd', profileResults: { d: { targets: [endpoints[1]] } } });
    expect(scores(scorer, system)).toEqual({ a: 0, b: 1 });
  });

  it('finds no prefix in a digest made with other chunking', () => {
    const scorer = new ApproxPrefixCacheScorer('p', params);
    route(scorer, system, 'a');
    const state = new CycleState();
    const req = withDigest(system, { chunkSize: 16, tokenChunkSize: 4, maxChunks: 100 });
    scorer.prepare(state, req, endpoints);
    expect(Object.fromEntries(scorer.score(state, req, endpoints))).toEqual({ a: 0, b: 0 });
  });
});

describe('promptDigestSpecOf', () => {
  it.each([
    ['approx-prefix', { chunkSize: 64, tokenChunkSize: 16, maxChunks: 256, needsText: false }],
    ['precise-prefix', { chunkSize: 64, tokenChunkSize: 16, maxChunks: 256, needsText: true }],
    ['load-only', undefined],
  ])('%s', (name, expected) => {
    expect(promptDigestSpecOf(SHIPPED_CONFIGS[name])).toEqual(expected);
  });

  it('has no spec when two prefix scorers chunk differently, or for a config that does not parse', () => {
    const base = SHIPPED_CONFIGS['approx-prefix'];
    const twice = { ...base, plugins: [...base.plugins, { name: 'other-prefix', type: 'approx-prefix-cache-scorer', parameters: { chunkSize: 32 } }] };
    expect(promptDigestSpecOf(twice)).toBeUndefined();
    expect(promptDigestSpecOf({ plugins: 'nope' })).toBeUndefined();
  });
});

describe('estimateTokens from a digest', () => {
  it.each([
    ['text prompt sent', { prompt: 'x'.repeat(400) }, 100],
    ['digest of 400 characters, no text', { prompt: '', digest: { hashes: [], chunkSize: 64, tokens: false, promptLength: 400 } }, 100],
    ['digest of 37 token ids', { prompt: '', digest: { hashes: [], chunkSize: 16, tokens: true, promptLength: 37 } }, 37],
    ['token ids sent', { prompt: '', promptTokenIds: [1, 2, 3] }, 3],
  ])('%s', (_name, request, expected) => {
    expect(estimateTokens(request, 4)).toBe(expected);
  });
});
