// The conformance suite every KvBlockIndex backend passes.
import type { KvBlockIndex } from '../kv-block-index';

export function describeIndexConformance(name: string, make: (maxBlocks: number) => KvBlockIndex): void {
  describe(`${name} (KvBlockIndex conformance)`, () => {
    const k = [11, 12, 13, 14, 15];

    it('finds the longest consecutive prefix per pod', () => {
      const idx = make(1000);
      idx.add(k.slice(0, 4), 'a', 'gpu', 1);
      idx.add(k.slice(0, 2), 'b', 'gpu', 1);
      expect(Object.fromEntries(idx.lookup(k))).toEqual({ a: { gpu: 4, cpu: 4, disk: 4 }, b: { gpu: 2, cpu: 2, disk: 2 } });
    });

    it('stops a run at the first missing block', () => {
      const idx = make(1000);
      idx.add([11, 12, 14, 15], 'a', 'gpu', 1);
      expect(idx.lookup(k).get('a')).toEqual({ gpu: 2, cpu: 2, disk: 2 });
    });

    it('counts slower tiers only in their own and slower runs', () => {
      const idx = make(1000);
      idx.add([11, 12], 'a', 'gpu', 1);
      idx.add([13, 14], 'a', 'cpu', 1);
      idx.add([15], 'a', 'disk', 1);
      expect(idx.lookup(k).get('a')).toEqual({ gpu: 2, cpu: 4, disk: 5 });
    });

    it('answers for the pods asked about, zero when they hold nothing', () => {
      const idx = make(1000);
      idx.add(k, 'a', 'gpu', 1);
      expect(Object.fromEntries(idx.lookup(k, ['a', 'z']))).toEqual({ a: { gpu: 5, cpu: 5, disk: 5 }, z: { gpu: 0, cpu: 0, disk: 0 } });
    });

    it('is idempotent: applying the same add or remove twice changes nothing', () => {
      const idx = make(1000);
      idx.add(k, 'a', 'gpu', 1);
      idx.add(k, 'a', 'gpu', 2);
      idx.remove([13], 'a');
      idx.remove([13], 'a');
      expect(idx.lookup(k).get('a')).toEqual({ gpu: 2, cpu: 2, disk: 2 });
      expect(idx.size()).toBe(4);
    });

    it('removes one tier and keeps the others', () => {
      const idx = make(1000);
      idx.add(k, 'a', 'gpu', 1);
      idx.add(k, 'a', 'cpu', 1);
      idx.remove(k, 'a', 'gpu');
      expect(idx.lookup(k).get('a')).toEqual({ gpu: 0, cpu: 5, disk: 5 });
    });

    it('says which tiers a pod holds a block on, as bits', () => {
      const idx = make(1000);
      idx.add([11, 12], 'a', 'gpu', 1);
      idx.add([12], 'a', 'disk', 1);
      idx.add([12], 'b', 'cpu', 1);
      expect([idx.tierBits(11, 'a'), idx.tierBits(12, 'a'), idx.tierBits(12, 'b'), idx.tierBits(11, 'b'), idx.tierBits(99, 'a'), idx.tierBits(11, 'z')]).toEqual([1, 1 | 4, 2, 0, 0, 0]);
    });

    it('clears a pod without touching the others', () => {
      const idx = make(1000);
      idx.add(k, 'a', 'gpu', 1);
      idx.add(k, 'b', 'gpu', 1);
      idx.clearPod('a');
      expect([...idx.lookup(k).keys()]).toEqual(['b']);
      idx.clearPod('b');
      expect(idx.size()).toBe(0);
    });

    it('stays within its capacity, evicting the least recently stored blocks', () => {
      const idx = make(3);
      idx.add([1, 2, 3], 'a', 'gpu', 1);
      idx.add([4], 'a', 'gpu', 2);
      expect(idx.size()).toBe(3);
      expect(idx.lookup([1, 2, 3]).get('a')).toBeUndefined();
      expect(idx.lookup([2, 3, 4]).get('a')).toEqual({ gpu: 3, cpu: 3, disk: 3 });
    });
  });
}
