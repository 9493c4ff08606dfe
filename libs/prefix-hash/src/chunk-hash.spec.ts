import { hashTextChunks, hashTokenChunks } from './chunk-hash';
import { LruChunkIndex } from './lru-chunk-index';

describe('chunk hashes', () => {
  const base = 'a'.repeat(64) + 'b'.repeat(64) + 'c'.repeat(64);

  it.each([
    ['same text', base, 3],
    ['differs in the last chunk', 'a'.repeat(64) + 'b'.repeat(64) + 'x'.repeat(64), 2],
    ['differs in the first chunk', 'x' + base.slice(1), 0],
    ['shorter: only full chunks count', base.slice(0, 150), 2],
  ])('%s shares %d leading hashes', (_name, other, shared) => {
    const a = hashTextChunks(base, 64, 100);
    const b = hashTextChunks(other, 64, 100);
    let n = 0;
    while (n < Math.min(a.length, b.length) && a[n] === b[n]) n++;
    expect(n).toBe(shared);
  });

  it('stops at maxChunks and stays within safe integers', () => {
    const h = hashTextChunks('z'.repeat(64 * 10), 64, 4);
    expect(h).toHaveLength(4);
    for (const x of h) expect(Number.isSafeInteger(x)).toBe(true);
  });

  it.each([64, 7, 3, 1])('every character of a %d-character chunk changes its hash', (size) => {
    const text = 'The quick brown fox jumps over the lazy dog. '.repeat(4).slice(0, size * 2);
    const [h0, h1] = hashTextChunks(text, size, 2);
    const seen = new Set<number>([h0]);
    for (let p = 0; p < size; p++) {
      const changed = text.slice(0, p) + String.fromCharCode(text.charCodeAt(p) ^ 0x20) + text.slice(p + 1);
      const [c0, c1] = hashTextChunks(changed, size, 2);
      expect(seen.has(c0)).toBe(false); // differs from the original and from every other change
      expect(c1).not.toBe(h1); // and the chain carries it on
      seen.add(c0);
    }
  });

  it('hashes every code unit as it is: any Unicode, a reused buffer that held a longer text before', () => {
    // ASCII, Latin-1, CJK, an emoji (a surrogate pair) and a lone surrogate.
    const text = 'aé中😀\ud800Z'.repeat(40);
    const h = hashTextChunks(text, 6, 100);
    expect(hashTextChunks(text.slice(0, 6) + 'x' + text.slice(7), 6, 100)[1]).not.toBe(h[1]);
    hashTextChunks('q'.repeat(100000), 64, 1000); // the buffer grows, and still holds this text's tail
    expect(hashTextChunks(text, 6, 100)).toEqual(h);
  });

  it('spreads similar prompts over all 53 bits (no collisions among 20,000 near-identical chunks)', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 20000; i++) seen.add(hashTextChunks(`user ${i} asks: ${'x'.repeat(40)}`.slice(0, 64).padEnd(64, '.'), 64, 1)[0]);
    expect(seen.size).toBe(20000);
  });

  it('chains: the same chunk text at another position hashes differently', () => {
    const h = hashTextChunks('q'.repeat(128), 64, 10);
    expect(h[0]).not.toBe(h[1]);
  });

  it('hashes token prompts the same way', () => {
    const t = Array.from({ length: 40 }, (_, i) => i * 1000);
    expect(hashTokenChunks(t, 16, 10)).toHaveLength(2);
    expect(hashTokenChunks(t, 16, 10)[0]).toBe(hashTokenChunks([...t.slice(0, 16), 7, 7], 16, 10)[0]);
  });
});

describe('LruChunkIndex', () => {
  it.each([
    ['a full prefix', [1, 2, 3], [1, 2, 3, 4], 3],
    ['a chain that diverges', [1, 2, 3], [1, 2, 9, 10], 2],
    ['nothing', [], [1], 0],
  ])('%s', (_name, stored, query, n) => {
    const idx = new LruChunkIndex(100);
    idx.add('e', stored);
    expect(idx.matchLength('e', query)).toBe(n);
  });

  it('evicts the tails of prompts before their heads, keeping what it holds prefix-closed', () => {
    const idx = new LruChunkIndex(4);
    idx.add('e', [1, 2, 3]);
    idx.add('e', [7, 8]); // evicts 3, the oldest tail
    expect(idx.matchLength('e', [1, 2, 3])).toBe(2);
    expect(idx.matchLength('e', [7, 8])).toBe(2);
    expect(idx.size('e')).toBe(4);
  });

  it('matches as a linear scan would, for prefix-closed contents', () => {
    const idx = new LruChunkIndex(10000);
    const chain = Array.from({ length: 200 }, (_, i) => i);
    idx.add('e', chain.slice(0, 137));
    for (const n of [0, 1, 50, 137, 200]) expect(idx.matchLength('e', chain.slice(0, n))).toBe(Math.min(n, 137));
  });
});
