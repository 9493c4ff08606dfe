import { InMemoryKvBlockIndex } from './in-memory-index';
import { InstrumentedKvBlockIndex } from './instrumented-index';
import { describeIndexConformance } from './testing';

describeIndexConformance('InMemoryKvBlockIndex', (max) => new InMemoryKvBlockIndex(max));

const silent = { added: () => undefined, removed: () => undefined, cleared: () => undefined, lookedUp: () => undefined };
describeIndexConformance('InstrumentedKvBlockIndex(InMemoryKvBlockIndex)', (max) => new InstrumentedKvBlockIndex(new InMemoryKvBlockIndex(max), silent));

describe('InstrumentedKvBlockIndex', () => {
  it('reports every operation', () => {
    const seen: string[] = [];
    const idx = new InstrumentedKvBlockIndex(new InMemoryKvBlockIndex(10), {
      added: (n) => seen.push(`added ${n}`),
      removed: (n) => seen.push(`removed ${n}`),
      cleared: () => seen.push('cleared'),
      lookedUp: (_ms, n, hits) => seen.push(`lookup ${n} ${hits}`),
    });
    idx.add([1, 2], 'a', 'gpu', 0);
    idx.lookup([1, 2, 3]);
    idx.remove([1], 'a');
    idx.clearPod('a');
    expect(seen).toEqual(['added 2', 'lookup 3 1', 'removed 1', 'cleared']);
  });
});

describe('InMemoryKvBlockIndex in shards (large indexes: a JS Map holds at most 2^24 keys)', () => {
  it('answers as one map does, and keeps within its bound by evicting the oldest keys of a shard', () => {
    const sharded = new InMemoryKvBlockIndex(64, { shards: 4 });
    const single = new InMemoryKvBlockIndex(1_000_000);
    const keys = Array.from({ length: 40 }, (_, i) => i * 7 + 3);
    for (const idx of [sharded, single]) {
      idx.add(keys.slice(0, 30), 'a', 'gpu', 0);
      idx.add(keys.slice(0, 10), 'b', 'cpu', 0);
      idx.remove(keys.slice(20, 25), 'a');
    }
    expect(Object.fromEntries(sharded.lookup(keys, ['a', 'b', 'c']))).toEqual(Object.fromEntries(single.lookup(keys, ['a', 'b', 'c'])));
    expect(sharded.size()).toBe(single.size());

    // 200 more keys: each shard (16 keys) drops its least recently stored ones.
    const more = Array.from({ length: 200 }, (_, i) => 10_000 + i);
    for (const k of more) sharded.add([k], 'c', 'gpu', 0);
    expect(sharded.size()).toBeLessThanOrEqual(64);
    expect(sharded.lookup([more[199]]).get('c')).toEqual({ gpu: 1, cpu: 1, disk: 1 });
    expect(sharded.lookup([keys[0]]).size).toBe(0); // long evicted
    expect(sharded.podKeys('a')).toEqual([]);
  });
});
