import { tokenBlockKeys } from '@llmd/prefix-hash';
import { InMemoryKvBlockIndex } from './in-memory-index';
import { KvEventApplier } from './kv-event-applier';

const seq = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);
const BS = 4;

function setup() {
  const index = new InMemoryKvBlockIndex(1000);
  return { index, applier: new KvEventApplier(index, 42) };
}

describe('KvEventApplier', () => {
  const prompt = seq(16);
  const keys = tokenBlockKeys(prompt, BS, { seed: 42 });

  it('keys stored blocks by their tokens, whatever the engine hashes are', () => {
    const { index, applier } = setup();
    applier.apply('pod', [{ type: 'BlockStored', blockHashes: [101n, 102n], tokenIds: prompt.slice(0, 8), blockSize: BS, medium: 'gpu' }], 0);
    // A second event continues the chain from its parent's engine hash.
    applier.apply('pod', [{ type: 'BlockStored', blockHashes: [103n, 104n], parentBlockHash: 102n, tokenIds: prompt.slice(8), blockSize: BS, medium: 'gpu' }], 0);
    expect(index.lookup(keys).get('pod')).toEqual({ gpu: 4, cpu: 4, disk: 4 });
  });

  it('is idempotent: the same batch twice changes nothing', () => {
    const { index, applier } = setup();
    const batch = [{ type: 'BlockStored' as const, blockHashes: [1n, 2n, 3n, 4n], tokenIds: prompt, blockSize: BS, medium: 'gpu' as const }];
    applier.apply('pod', batch, 0);
    applier.apply('pod', batch, 0);
    expect(index.size()).toBe(4);
  });

  it('resolves removals and token-less offload events through the engine hashes', () => {
    const { index, applier } = setup();
    applier.apply('pod', [{ type: 'BlockStored', blockHashes: [1n, 2n, 3n, 4n], tokenIds: prompt, blockSize: BS, medium: 'gpu' }], 0);
    const r = applier.apply('pod', [
      { type: 'BlockRemoved', blockHashes: [3n, 4n], medium: 'gpu' },
      { type: 'BlockStored', blockHashes: [3n, 4n], tokenIds: [], blockSize: BS, medium: 'cpu' },
    ], 0);
    expect(r).toMatchObject({ removed: 2, stored: 2, unresolved: 0 });
    expect(index.lookup(keys).get('pod')).toEqual({ gpu: 2, cpu: 4, disk: 4 });
  });

  it('counts what it cannot key: an unknown parent, or a malformed event', () => {
    const { applier } = setup();
    expect(applier.apply('pod', [{ type: 'BlockStored', blockHashes: [9n], parentBlockHash: 8n, tokenIds: seq(4), blockSize: BS, medium: 'gpu' }], 0).unresolved).toBe(1);
    expect(applier.apply('pod', [{ type: 'BlockStored', blockHashes: [9n, 10n], tokenIds: seq(5), blockSize: BS, medium: 'gpu' }], 0).unresolved).toBe(2);
  });

  it('keys bytes hashes as well as int hashes', () => {
    const { index, applier } = setup();
    applier.apply('pod', [{ type: 'BlockStored', blockHashes: [new Uint8Array([1, 2]), new Uint8Array([3, 4])], tokenIds: prompt.slice(0, 8), blockSize: BS, medium: 'gpu' }], 0);
    applier.apply('pod', [{ type: 'BlockRemoved', blockHashes: [new Uint8Array([3, 4])], medium: 'gpu' }], 0);
    expect(index.lookup(keys).get('pod')?.gpu).toBe(1);
  });

  it('clears a pod on AllBlocksCleared', () => {
    const { index, applier } = setup();
    applier.apply('pod', [{ type: 'BlockStored', blockHashes: [1n], tokenIds: seq(4), blockSize: BS, medium: 'gpu' }], 0);
    expect(applier.apply('pod', [{ type: 'AllBlocksCleared' }], 0).cleared).toBe(true);
    expect(index.size()).toBe(0);
  });

  it('keeps adapters apart', () => {
    const { index, applier } = setup();
    applier.apply('pod', [{ type: 'BlockStored', blockHashes: [1n], tokenIds: seq(4), blockSize: BS, loraName: 'sql', medium: 'gpu' }], 0);
    expect(index.lookup(tokenBlockKeys(seq(4), BS, { seed: 42 })).get('pod')).toBeUndefined();
    expect(index.lookup(tokenBlockKeys(seq(4), BS, { seed: 42, extra: 'sql' })).get('pod')?.gpu).toBe(1);
  });

  describe('exportPod and restorePod (checkpoints)', () => {
    const bytes = (n: number) => new Uint8Array([n, n + 1, n + 2]);
    function history(applier: KvEventApplier) {
      applier.apply('pod', [{ type: 'BlockStored', blockHashes: [1n, 2n], tokenIds: prompt.slice(0, 8), blockSize: BS, medium: 'gpu' }], 0);
      applier.apply('pod', [{ type: 'BlockStored', blockHashes: [bytes(3), bytes(4)], parentBlockHash: 2n, tokenIds: prompt.slice(8), blockSize: BS, medium: 'gpu' }], 0);
      // Offloaded to CPU, then the last block dropped from the GPU.
      applier.apply('pod', [{ type: 'BlockStored', blockHashes: [1n, 2n, bytes(3), bytes(4)], tokenIds: [], blockSize: BS, medium: 'cpu' }], 0);
      applier.apply('pod', [{ type: 'BlockRemoved', blockHashes: [bytes(4)], medium: 'gpu' }], 0);
      applier.apply('other', [{ type: 'BlockStored', blockHashes: [9n], tokenIds: prompt.slice(0, 4), blockSize: BS, medium: 'gpu' }], 0);
    }

    it('exports what a pod holds, by engine hash, with its tiers', () => {
      const { applier } = setup();
      history(applier);
      applier.apply('pod', [{ type: 'BlockRemoved', blockHashes: [1n], medium: 'gpu' }, { type: 'BlockRemoved', blockHashes: [1n], medium: 'cpu' }], 0);
      const out = applier.exportPod('pod');
      expect(out.keys).toEqual(keys.slice(1));
      expect(out.engineHashes).toEqual([2n, bytes(3), bytes(4)]);
      expect(out.tiers).toEqual([3, 3, 2]);
      expect(applier.exportPod('nobody')).toEqual({ engineHashes: [], keys: [], tiers: [] });
    });

    it('restores into a fresh index exactly what was exported, and the pod\'s later events still resolve', () => {
      const a = setup();
      history(a.applier);
      const b = setup();
      b.applier.restorePod('pod', a.applier.exportPod('pod'), 0);
      b.applier.restorePod('other', a.applier.exportPod('other'), 0);
      expect(b.index.lookup(keys)).toEqual(a.index.lookup(keys));
      expect(b.index.tierBits(keys[3], 'pod')).toBe(2);
      // Events after the checkpoint name blocks by engine hash: the same on both.
      const later = [
        { type: 'BlockRemoved' as const, blockHashes: [bytes(3)], medium: 'gpu' as const },
        { type: 'BlockStored' as const, blockHashes: [5n], parentBlockHash: bytes(4), tokenIds: seq(4, 100), blockSize: BS, medium: 'gpu' as const },
      ];
      for (const { applier } of [a, b]) applier.apply('pod', later, 0);
      const longer = tokenBlockKeys([...prompt, ...seq(4, 100)], BS, { seed: 42 });
      expect(b.index.lookup(longer)).toEqual(a.index.lookup(longer));
      expect(b.applier.exportPod('pod')).toEqual(a.applier.exportPod('pod'));
    });

    it('replaces what the pod held before, and refuses a malformed checkpoint', () => {
      const { index, applier } = setup();
      history(applier);
      applier.restorePod('pod', { engineHashes: [7n], keys: [keys[0]], tiers: [4] }, 0);
      expect(index.lookup(keys).get('pod')).toEqual({ gpu: 0, cpu: 0, disk: 1 });
      expect(() => applier.restorePod('pod', { engineHashes: [7n], keys: [], tiers: [] }, 0)).toThrow(/1 engine hashes, 0 keys/);
    });
  });
});
