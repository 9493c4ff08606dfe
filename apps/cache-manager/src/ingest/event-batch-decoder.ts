// Decodes vLLM's msgpack KVEventBatch in both of vLLM's encodings: maps with a `type` key (tagged
// msgspec structs) and positional arrays (array_like structs, tag first).
import { decode } from '@msgpack/msgpack';
import type { KvEvent, KvTier } from '@llmd/telemetry';

export class UndecodableBatchError extends Error {
  readonly code = 'KV_EVENTS_UNDECODABLE';
}

type Hash = bigint | Uint8Array;

function tier(medium: unknown): KvTier {
  const m = typeof medium === 'string' ? medium.toUpperCase() : 'GPU';
  return m === 'CPU' ? 'cpu' : m === 'DISK' ? 'disk' : 'gpu';
}

function hash(v: unknown): Hash {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(v);
  if (v instanceof Uint8Array) return v;
  throw new UndecodableBatchError(`block hash of type ${typeof v}`);
}

function event(raw: unknown): KvEvent | undefined {
  if (Array.isArray(raw)) {
    const [tag, ...f] = raw;
    if (tag === 'BlockStored') return { type: 'BlockStored', blockHashes: (f[0] as unknown[]).map(hash), parentBlockHash: f[1] == null ? undefined : hash(f[1]), tokenIds: ((f[2] as unknown[]) ?? []).map(Number), blockSize: Number(f[3]), loraName: typeof f[6] === 'string' ? f[6] : undefined, medium: tier(f[5]) };
    if (tag === 'BlockRemoved') return { type: 'BlockRemoved', blockHashes: (f[0] as unknown[]).map(hash), medium: tier(f[1]) };
    if (tag === 'AllBlocksCleared') return { type: 'AllBlocksCleared' };
    return undefined;
  }
  if (raw && typeof raw === 'object') {
    const o = raw as Record<string, unknown>;
    if (o.type === 'BlockStored') return { type: 'BlockStored', blockHashes: (o.block_hashes as unknown[]).map(hash), parentBlockHash: o.parent_block_hash == null ? undefined : hash(o.parent_block_hash), tokenIds: ((o.token_ids as unknown[]) ?? []).map(Number), blockSize: Number(o.block_size), loraName: typeof o.lora_name === 'string' ? o.lora_name : undefined, medium: tier(o.medium) };
    if (o.type === 'BlockRemoved') return { type: 'BlockRemoved', blockHashes: (o.block_hashes as unknown[]).map(hash), medium: tier(o.medium) };
    if (o.type === 'AllBlocksCleared') return { type: 'AllBlocksCleared' };
  }
  return undefined;
}

export interface DecodedBatch {
  ts: number;
  dataParallelRank: number;
  events: KvEvent[];
}

export function decodeEventBatch(payload: Uint8Array): DecodedBatch {
  let body: unknown;
  try {
    body = decode(payload, { useBigInt64: true });
  } catch (err) {
    throw new UndecodableBatchError(`not msgpack: ${(err as Error).message}`);
  }
  const [ts, events, rank] = Array.isArray(body) ? body : [(body as Record<string, unknown>)?.ts, (body as Record<string, unknown>)?.events, (body as Record<string, unknown>)?.data_parallel_rank];
  if (!Array.isArray(events)) throw new UndecodableBatchError('no events list');
  return { ts: Number(ts ?? 0), dataParallelRank: Number(rank ?? 0), events: events.map(event).filter((e): e is KvEvent => e !== undefined) };
}
