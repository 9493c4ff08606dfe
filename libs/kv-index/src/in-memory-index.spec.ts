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

/** The plain reference: key -> pod -> tier bits, in a Map whose insertion order is the LRU order. */
class ReferenceIndex {
  readonly blocks = new Map<number, Map<string, number>>();
  constructor(private readonly max: number) {}
  add(keys: number[], pod: string, bit: number): void {
    for (const k of keys) {
      const holders = this.blocks.get(k) ?? new Map<string, number>();
      this.blocks.delete(k);
      holders.set(pod, (holders.get(pod) ?? 0) | bit);
      this.blocks.set(k, holders);
      if (this.blocks.size > this.max) this.blocks.delete(this.blocks.keys().next().value as number);
    }
  }
  remove(keys: number[], pod: string, bit: number | undefined): void {
    for (const k of keys) {
      const holders = this.blocks.get(k);
      if (!holders?.has(pod)) continue;
      const left = bit === undefined ? 0 : (holders.get(pod) as number) & ~bit;
      if (left === 0) holders.delete(pod);
      else holders.set(pod, left);
      if (holders.size === 0) this.blocks.delete(k);
    }
  }
  clearPod(pod: string): void {
    this.remove([...this.blocks.keys()], pod, undefined);
  }
}

describe('InMemoryKvBlockIndex against a plain Map model', () => {
  it.each([
    [8, 2000],
    [300, 20000],
  ])('holds the same blocks, holders and tiers under random adds, removes and clears (capacity %d, %d operations)', (max, ops) => {
    const idx = new InMemoryKvBlockIndex(max);
    const ref = new ReferenceIndex(max);
    let s = max;
    const next = () => {
      s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
      return s;
    };
    const pool = Array.from({ length: max * 3 }, () => (next() & 0x1fffff) * 0x100000000 + next());
    const pods = ['a', 'b', 'c', 'd'];
    const tiers = ['gpu', 'cpu', 'disk'] as const;
    for (let i = 0; i < ops; i++) {
      const start = next() % pool.length;
      const keys = pool.slice(start, start + 1 + (next() % 12));
      const pod = pods[next() % pods.length];
      const t = next() % 3;
      const op = next() % 20;
      if (op < 12) {
        idx.add(keys, pod, tiers[t], i);
        ref.add(keys, pod, 1 << t);
      } else if (op < 19) {
        const all = op === 18;
        idx.remove(keys, pod, all ? undefined : tiers[t]);
        ref.remove(keys, pod, all ? undefined : 1 << t);
      } else {
        idx.clearPod(pod);
        ref.clearPod(pod);
      }
      expect(idx.size()).toBe(ref.blocks.size);
    }
    for (const k of pool) {
      const hit = idx.lookup([k]);
      const want = ref.blocks.get(k) ?? new Map<string, number>();
      expect(new Set(hit.keys())).toEqual(new Set(want.keys()));
      for (const [pod, bits] of want) expect(hit.get(pod)).toEqual({ gpu: bits & 1 ? 1 : 0, cpu: bits & 3 ? 1 : 0, disk: 1 });
    }
    for (const pod of pods) expect(new Set(idx.podKeys(pod))).toEqual(new Set([...ref.blocks].filter(([, h]) => h.has(pod)).map(([k]) => k)));
    // Runs over chains of keys: per pod and tier, the leading keys held on that tier or a faster one.
    for (let t = 0; t < 200; t++) {
      const start = next() % pool.length;
      const chain = pool.slice(start, start + 1 + (next() % 20));
      const run = (pod: string, mask: number) => {
        let n = 0;
        while (n < chain.length && ((ref.blocks.get(chain[n])?.get(pod) ?? 0) & mask) !== 0) n++;
        return n;
      };
      const want = Object.fromEntries(pods.map((pod) => [pod, { gpu: run(pod, 1), cpu: run(pod, 3), disk: run(pod, 7) }]));
      expect(Object.fromEntries(idx.lookup(chain, pods))).toEqual(want);
    }
  });
});
