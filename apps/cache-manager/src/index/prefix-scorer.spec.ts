import { InMemoryKvBlockIndex, KvEventApplier } from '@llmd/kv-index';
import { Llama3Tokenizer } from '@llmd/tokenizer';
import { PrefixScorer } from './prefix-scorer';

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

describe('PrefixScorer', () => {
  const make = () => {
    let now = 1000;
    const index = new InMemoryKvBlockIndex(1000);
    const scorer = new PrefixScorer(index, Llama3Tokenizer.load(), { blockSize: 16, modelBlockSizes: { small: 8 }, hashSeed: 0, tierWeights: { gpu: 1, cpu: 0.8, disk: 0.5 }, speculativeTtlMs: 500 }, () => now);
    return { index, scorer, applier: new KvEventApplier(index, 0), setNow: (t: number) => (now = t) };
  };

  it.each([
    ['all on the GPU', 'gpu', 1],
    ['all on the CPU tier', 'cpu', 0.8],
  ] as const)('weights tiers: %s', async (_name, medium, score) => {
    const { applier, scorer } = make();
    applier.apply('a', [{ type: 'BlockStored', blockHashes: [1n, 2n], tokenIds: range(32), blockSize: 16, medium }], 0);
    const r = await scorer.score({ kind: 'tokens', ids: range(32) }, 'm', ['a', 'b']);
    expect(r.promptBlocks).toBe(2);
    expect(Object.fromEntries(r.scores.map((s) => [s.pod, s.score]))).toEqual({ a: score, b: 0 });
  });

  it('uses the block size of the model', async () => {
    const { applier, scorer } = make();
    applier.apply('a', [{ type: 'BlockStored', blockHashes: [1n, 2n], tokenIds: range(16), blockSize: 8, medium: 'gpu' }], 0);
    expect((await scorer.score({ kind: 'tokens', ids: range(16) }, 'small', ['a'])).scores[0].hit.gpu).toBe(2);
  });

  it('counts speculative entries until they expire', async () => {
    const { scorer, setNow } = make();
    await scorer.speculate({ kind: 'tokens', ids: range(48) }, 'm', 'b', undefined, 0);
    expect((await scorer.score({ kind: 'tokens', ids: range(48) }, 'm', ['b'])).scores[0].hit.gpu).toBe(3);
    setNow(5000);
    expect((await scorer.score({ kind: 'tokens', ids: range(48) }, 'm', ['b'])).scores[0].hit.gpu).toBe(0);
  });
});
