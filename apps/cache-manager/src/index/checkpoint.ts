// Checkpoints of the index, so that a start reads a checkpoint and the KV-event topic after it instead
// of the whole topic. A checkpoint is the state of everything one partition of llmd.kv-events.v1 says,
// up to an offset: per pod, its blocks (engine hash, llmd key, tiers), its cursor on the topic, its
// sequence bookkeeping and its block size. Records of a partition are applied in offset order and
// re-applying a suffix of them changes nothing, so state(checkpoint) + records from its offset on is
// the state the whole partition gives. Pure: encoding, chunking into records, and picking the newest
// complete checkpoint per partition from what the checkpoint topic holds.
import { decode, encode } from '@msgpack/msgpack';
import type { EngineBlockHash, PodBlocks } from '@llmd/kv-index';
import type { TopicCursor } from '../ingest/kv-sequence.policy';

export interface PodCheckpoint {
  pod: string;
  model: string;
  /** The block size the pod's events reported, when they did. */
  blockSize?: number;
  cursor: TopicCursor;
  /** The pod's sequence bookkeeping (Stats), when any batch of it was read. */
  stats?: { batches: number; events: number; lastSeq: number; gaps: number };
  blocks: PodBlocks;
}

export interface PartitionCheckpoint {
  /** The partition of the KV-event topic. */
  partition: number;
  /** The first offset the checkpoint does not include: where reading the partition resumes. */
  offset: number;
  writtenAtMs: number;
  pods: PodCheckpoint[];
}

const FORMAT = 1;
export const CHECKPOINT_HEADERS = { partition: 'llmd-checkpoint-partition', offset: 'llmd-checkpoint-offset', chunk: 'llmd-checkpoint-chunk' } as const;

/** Engine hashes packed: all integers of one sign range go into a typed array (the common case), anything else stays a list. */
function packHashes(hashes: readonly EngineBlockHash[]): { kind: 'i64' | 'u64'; data: Uint8Array } | { kind: 'list'; data: EngineBlockHash[] } {
  const ints = hashes.every((h) => typeof h === 'bigint');
  if (ints) {
    const all = hashes as bigint[];
    if (all.every((h) => h >= -(2n ** 63n) && h < 2n ** 63n)) return { kind: 'i64', data: new Uint8Array(BigInt64Array.from(all).buffer) };
    if (all.every((h) => h >= 0n && h < 2n ** 64n)) return { kind: 'u64', data: new Uint8Array(BigUint64Array.from(all).buffer) };
  }
  return { kind: 'list', data: [...hashes] };
}

function unpackHashes(packed: { kind: string; data: unknown }): EngineBlockHash[] {
  if (packed.kind === 'list') return (packed.data as (EngineBlockHash | number)[]).map((h) => (typeof h === 'number' ? BigInt(h) : h));
  const bytes = packed.data as Uint8Array;
  const aligned = new Uint8Array(bytes).buffer;
  if (packed.kind === 'i64') return [...new BigInt64Array(aligned)];
  if (packed.kind === 'u64') return [...new BigUint64Array(aligned)];
  throw new Error(`unknown engine hash packing ${packed.kind}`);
}

export function encodeCheckpoint(c: PartitionCheckpoint): Uint8Array {
  return encode(
    {
      format: FORMAT,
      partition: c.partition,
      offset: c.offset,
      writtenAtMs: c.writtenAtMs,
      pods: c.pods.map((p) => ({
        pod: p.pod,
        model: p.model,
        blockSize: p.blockSize ?? null,
        cursor: p.cursor,
        stats: p.stats ?? null,
        hashes: packHashes(p.blocks.engineHashes),
        keys: new Uint8Array(Float64Array.from(p.blocks.keys).buffer),
        tiers: Uint8Array.from(p.blocks.tiers),
      })),
    },
    { useBigInt64: true },
  );
}

interface EncodedPod {
  pod: string;
  model: string;
  blockSize: number | null;
  cursor: TopicCursor;
  stats: PodCheckpoint['stats'] | null;
  hashes: { kind: string; data: unknown };
  keys: Uint8Array;
  tiers: Uint8Array;
}

export function decodeCheckpoint(bytes: Uint8Array): PartitionCheckpoint {
  const body = decode(bytes, { useBigInt64: true }) as { format: number; partition: number; offset: number | bigint; writtenAtMs: number | bigint; pods: EncodedPod[] };
  if (body.format !== FORMAT) throw new Error(`checkpoint format ${String(body.format)} is not ${FORMAT}`);
  return {
    partition: Number(body.partition),
    offset: Number(body.offset),
    writtenAtMs: Number(body.writtenAtMs),
    pods: body.pods.map((p) => {
      const keys = [...new Float64Array(new Uint8Array(p.keys).buffer)];
      return {
        pod: p.pod,
        model: p.model,
        ...(p.blockSize !== null ? { blockSize: Number(p.blockSize) } : {}),
        cursor: p.cursor.kind === 'batch' ? { kind: 'batch', seq: Number(p.cursor.seq), ts: Number(p.cursor.ts) } : p.cursor,
        ...(p.stats ? { stats: { batches: Number(p.stats.batches), events: Number(p.stats.events), lastSeq: Number(p.stats.lastSeq), gaps: Number(p.stats.gaps) } } : {}),
        blocks: { engineHashes: unpackHashes(p.hashes), keys, tiers: [...p.tiers] },
      };
    }),
  };
}

export interface CheckpointRecord {
  key: string;
  /** null: a tombstone (the key is deleted on a compacted topic). */
  value: Buffer | null;
  headers: Record<string, string>;
}

/** A checkpoint's chunks go under `partition/slot/chunk`: two slots a partition's writer alternates between, so a
 * compacted topic keeps the newest complete checkpoint even while (or after dying while) writing the next. */
const keyOf = (partition: number, slot: number, chunk: number) => `${partition}/${slot}/${chunk}`;

/** The records of one checkpoint in `slot` (0 or 1): its encoding cut into chunks of at most `maxBytes`. */
export function checkpointRecords(c: PartitionCheckpoint, slot: number, maxBytes: number): CheckpointRecord[] {
  const bytes = Buffer.from(encodeCheckpoint(c));
  const chunks = Math.max(1, Math.ceil(bytes.length / maxBytes));
  return Array.from({ length: chunks }, (_, i) => ({
    key: keyOf(c.partition, slot, i),
    value: bytes.subarray(i * maxBytes, (i + 1) * maxBytes),
    headers: { [CHECKPOINT_HEADERS.partition]: String(c.partition), [CHECKPOINT_HEADERS.offset]: String(c.offset), [CHECKPOINT_HEADERS.chunk]: `${i}/${chunks}` },
  }));
}

/** The keys of `slot` from chunk `from` on, up to `to`: what a smaller checkpoint leaves behind, to delete. */
export function leftoverKeys(partition: number, slot: number, from: number, to: number): string[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => keyOf(partition, slot, from + i));
}

interface Chunk {
  partition: number;
  slot: number;
  offset: number;
  index: number;
  count: number;
  value: Buffer;
}

/**
 * What the checkpoint topic holds, read in order (a later record under a key replaces the earlier,
 * a tombstone deletes it): the newest complete checkpoint of each partition (one a writer left
 * half-written, its chunks mixed with an older one's, is passed over), and the slot it is in.
 */
export class CheckpointAssembler {
  private readonly chunks = new Map<string, Chunk>();

  add(key: string, value: Buffer | null, headers: Record<string, string | undefined>): void {
    if (value === null) {
      this.chunks.delete(key);
      return;
    }
    const partition = Number(headers[CHECKPOINT_HEADERS.partition]);
    const offset = Number(headers[CHECKPOINT_HEADERS.offset]);
    const [index, count] = String(headers[CHECKPOINT_HEADERS.chunk] ?? '').split('/').map(Number);
    const slot = Number(key.split('/')[1]);
    if (![partition, slot, offset, index, count].every((n) => Number.isInteger(n) && n >= 0) || index >= count) return;
    this.chunks.set(key, { partition, slot, offset, index, count, value });
  }

  /** Per partition, the newest checkpoint whose chunks are all here and decode (older or broken ones are skipped), with its slot. */
  latest(): Map<number, { checkpoint: PartitionCheckpoint; slot: number }> {
    const out = new Map<number, { checkpoint: PartitionCheckpoint; slot: number }>();
    const byCheckpoint = new Map<string, Chunk[]>();
    for (const c of this.chunks.values()) {
      const id = `${c.partition}/${c.slot}/${c.offset}`;
      byCheckpoint.set(id, [...(byCheckpoint.get(id) ?? []), c]);
    }
    const newestFirst = [...byCheckpoint.values()].sort((a, b) => b[0].offset - a[0].offset);
    for (const parts of newestFirst) {
      const { partition, slot, count } = parts[0];
      if (out.has(partition) || parts.length !== count || parts.some((p) => p.count !== count)) continue;
      try {
        const checkpoint = decodeCheckpoint(Buffer.concat(parts.sort((a, b) => a.index - b.index).map((p) => p.value)));
        if (checkpoint.partition === partition) out.set(partition, { checkpoint, slot });
      } catch {
        // Not decodable: an older complete one may be.
      }
    }
    return out;
  }

  /** Per partition and slot, how many chunk keys the slot holds (what a smaller checkpoint written there must delete). */
  chunkKeys(): Map<string, number> {
    const out = new Map<string, number>();
    for (const c of this.chunks.values()) out.set(`${c.partition}/${c.slot}`, Math.max(out.get(`${c.partition}/${c.slot}`) ?? 0, c.index + 1));
    return out;
  }
}
