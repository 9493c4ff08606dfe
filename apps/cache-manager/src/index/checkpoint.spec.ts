import { CheckpointAssembler, checkpointRecords, decodeCheckpoint, encodeCheckpoint, leftoverKeys, PartitionCheckpoint } from './checkpoint';

function checkpoint(partition: number, offset: number, blocks = 3): PartitionCheckpoint {
  return {
    partition,
    offset,
    writtenAtMs: 1_700_000_000_000,
    pods: [
      {
        pod: 'sim-0',
        model: 'm',
        blockSize: 16,
        cursor: { kind: 'batch', seq: 41, ts: 1700000000.25 },
        stats: { batches: 42, events: 90, lastSeq: 41, gaps: 1 },
        blocks: { engineHashes: Array.from({ length: blocks }, (_, i) => BigInt(i) - 2n ** 62n), keys: Array.from({ length: blocks }, (_, i) => 4_000_000_000 + i), tiers: Array.from({ length: blocks }, (_, i) => 1 + (i % 7)) },
      },
      { pod: 'sim-1', model: 'm', cursor: { kind: 'cleared' }, blocks: { engineHashes: [], keys: [], tiers: [] } },
    ],
  };
}

describe('index checkpoints', () => {
  it('round-trips a partition\'s state: blocks, cursors, bookkeeping, block sizes', () => {
    const c = checkpoint(2, 1234);
    expect(decodeCheckpoint(encodeCheckpoint(c))).toEqual(c);
  });

  it('keeps engine hashes of every kind vLLM sends: signed and unsigned 64-bit integers, and bytes', () => {
    for (const engineHashes of [[2n ** 64n - 1n, 5n], [new Uint8Array([1, 2, 3]), 7n], [-1n, 2n ** 63n - 1n]]) {
      const c = checkpoint(0, 1);
      c.pods[0].blocks = { engineHashes, keys: [1, 2], tiers: [1, 2] };
      expect(decodeCheckpoint(encodeCheckpoint(c)).pods[0].blocks.engineHashes).toEqual(engineHashes);
    }
  });

  it('cuts a large checkpoint into chunks, and puts them back together', () => {
    const c = checkpoint(1, 99, 20000);
    const records = checkpointRecords(c, 0, 64 * 1024);
    expect(records.length).toBeGreaterThan(3);
    expect(records.every((r) => (r.value?.length ?? 0) <= 64 * 1024)).toBe(true);
    const a = new CheckpointAssembler();
    for (const r of [...records].reverse()) a.add(r.key, r.value, r.headers);
    expect(a.latest().get(1)).toEqual({ checkpoint: c, slot: 0 });
  });

  it('picks the newest complete checkpoint per partition, passing over a slot a writer left half-written', () => {
    const a = new CheckpointAssembler();
    const add = (c: PartitionCheckpoint, slot: number, chunks?: number) => checkpointRecords(c, slot, 4096).slice(0, chunks).forEach((r) => a.add(r.key, r.value, r.headers));
    add(checkpoint(0, 10, 2000), 0);
    add(checkpoint(0, 20, 2000), 1);
    // The next one over slot 0 dies after its first chunk: slot 0 holds chunks of two checkpoints.
    add(checkpoint(0, 30, 2000), 0, 1);
    add(checkpoint(3, 5), 0);
    const latest = a.latest();
    expect([...latest.keys()].sort()).toEqual([0, 3]);
    expect(latest.get(0)?.checkpoint.offset).toBe(20);
    expect(latest.get(0)?.slot).toBe(1);
    // Once slot 0 is written whole, it is the newest.
    add(checkpoint(0, 30, 2000), 0);
    expect(a.latest().get(0)?.checkpoint.offset).toBe(30);
  });

  it('knows the chunk keys each slot holds, and which a smaller checkpoint leaves to delete', () => {
    const a = new CheckpointAssembler();
    const big = checkpointRecords(checkpoint(2, 10, 2000), 1, 4096);
    for (const r of big) a.add(r.key, r.value, r.headers);
    expect(a.chunkKeys().get('2/1')).toBe(big.length);
    const small = checkpointRecords(checkpoint(2, 20, 1), 1, 4096);
    expect(small).toHaveLength(1);
    const stale = leftoverKeys(2, 1, small.length, big.length);
    expect(stale).toEqual(big.slice(1).map((r) => r.key));
    for (const r of small) a.add(r.key, r.value, r.headers);
    for (const key of stale) a.add(key, null, {});
    expect(a.latest().get(2)?.checkpoint.offset).toBe(20);
    expect(a.chunkKeys().get('2/1')).toBe(1);
  });

  it('forgets what a tombstone deletes, and ignores records that are not checkpoints', () => {
    const a = new CheckpointAssembler();
    const [r] = checkpointRecords(checkpoint(0, 10), 0, 1 << 20);
    a.add(r.key, r.value, r.headers);
    a.add('junk', Buffer.from('x'), { 'llmd-checkpoint-chunk': 'nonsense' });
    a.add('0/1/0', Buffer.from('not msgpack of a checkpoint'), { 'llmd-checkpoint-partition': '0', 'llmd-checkpoint-offset': '11', 'llmd-checkpoint-chunk': '0/1' });
    expect(a.latest().get(0)?.checkpoint.offset).toBe(10);
    a.add(r.key, null, {});
    expect(a.latest().size).toBe(0);
  });
});
