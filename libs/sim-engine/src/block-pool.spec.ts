import { extendBlockHashes } from './block-hash';
import { BlockPool } from './block-pool';

const BS = 4;
const hashes = (tokens: number[], lora?: string) => extendBlockHashes([], tokens, BS, lora, 7);
const seq = (n: number, start = 0) => Array.from({ length: n }, (_, i) => start + i);

function store(pool: BlockPool, tokens: number[], lora?: string): number[] {
  const hs = hashes(tokens, lora);
  const blocks = pool.allocate(hs.length)!;
  pool.commit(blocks.map((block, i) => ({ block, hash: hs[i], parent: hs[i - 1], tokenIds: tokens.slice(i * BS, (i + 1) * BS) })), lora);
  return blocks;
}

describe('block hashes', () => {
  it('chain: equal prefixes hash equal, a different token or adapter changes every later block', () => {
    const a = hashes(seq(12));
    const b = hashes([...seq(8), 99, 99, 99, 99]);
    expect(b.slice(0, 2)).toEqual(a.slice(0, 2));
    expect(b[2].key).not.toBe(a[2].key);
    expect(hashes(seq(12), 'lora-a')[0].key).not.toBe(a[0].key);
    expect(hashes(seq(11))).toHaveLength(2); // only full blocks
  });
});

describe('BlockPool', () => {
  it('finds a cached prefix after the owner released it, and evicts least-recently-used first', () => {
    const pool = new BlockPool(4, BS);
    const a = store(pool, seq(8));
    pool.release(a);
    expect(pool.lookup(hashes(seq(8))).gpuBlocks).toEqual(a);
    expect(pool.availableBlocks).toBe(4);
    const events = pool.drainEvents();
    expect(events).toEqual([expect.objectContaining({ type: 'BlockStored', medium: 'GPU', parentBlockHash: null, tokenIds: seq(8) })]);

    // Three new blocks: two free ones, then the LRU cached block (a's tail, released first... in reverse).
    pool.allocate(3);
    const removed = pool.drainEvents();
    expect(removed).toEqual([{ type: 'BlockRemoved', blockHashes: [hashes(seq(8))[1].value], medium: 'GPU' }]);
    expect(pool.lookup(hashes(seq(8))).gpuBlocks).toEqual([a[0]]);
  });

  it('refuses an allocation larger than what is available, without side effects', () => {
    const pool = new BlockPool(2, BS);
    pool.allocate(2);
    expect(pool.allocate(1)).toBeUndefined();
    expect(pool.usage).toBe(1);
  });

  it('never caches a hash twice', () => {
    const pool = new BlockPool(8, BS);
    store(pool, seq(4));
    pool.drainEvents();
    store(pool, seq(4));
    expect(pool.drainEvents()).toEqual([]);
  });

  it('offloads evicted blocks to the CPU tier and loads them back', () => {
    const pool = new BlockPool(2, BS, 1);
    pool.release(store(pool, seq(4)));
    pool.drainEvents();
    pool.allocate(2); // evicts the cached block to CPU
    expect(pool.drainEvents().map((e) => [e.type, 'medium' in e ? e.medium : ''])).toEqual([
      ['BlockRemoved', 'GPU'],
      ['BlockStored', 'CPU'],
    ]);
    const look = pool.lookup(hashes(seq(4)));
    expect(look.gpuBlocks).toEqual([]);
    expect(look.cpuHits).toHaveLength(1);
  });

  it('loads CPU hits back even when making room for them pushes some of them off a full CPU tier', () => {
    const pool = new BlockPool(4, BS, 2);
    pool.release(store(pool, seq(8))); // A, B
    pool.release(store(pool, seq(8, 100))); // C, D
    pool.release(store(pool, seq(8, 200))); // E, F evict A, B to the CPU
    pool.drainEvents();
    const look = pool.lookup(hashes(seq(8)));
    expect(look.cpuHits).toHaveLength(2);
    // Loading A and B evicts C and D to a CPU tier full of A and B: both are pushed off it.
    const loaded = pool.loadFromCpu(look.cpuHits) as number[];
    expect(pool.lookup(hashes(seq(8))).gpuBlocks).toEqual(loaded);
    expect(pool.lookup(hashes(seq(8, 100))).cpuHits).toHaveLength(2);
    // The CPU tier's order kept no key it lost: two more rounds of evictions to it still work.
    pool.release(store(pool, seq(8, 300)));
    pool.release(store(pool, seq(8, 400)));
    expect(pool.cpuBlocks).toBe(2);
    expect(pool.lookup(hashes(seq(8, 300))).cpuHits).toHaveLength(2);
  });

  it('clears everything with one AllBlocksCleared', () => {
    const pool = new BlockPool(4, BS);
    pool.release(store(pool, seq(8)));
    pool.drainEvents();
    pool.clear();
    expect(pool.drainEvents()).toEqual([{ type: 'AllBlocksCleared' }]);
    expect(pool.lookup(hashes(seq(8))).gpuBlocks).toEqual([]);
  });
});
