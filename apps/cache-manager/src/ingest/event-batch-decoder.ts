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
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (v instanceof Uint8Array) return v;
  throw new UndecodableBatchError(`block hash of type ${typeof v}`);
}

// The readers below take only what msgpack can carry for the field and refuse the rest with the typed
// error: nothing the pod sends is coerced (Number() of a map whose valueOf is not callable throws).

function list(v: unknown, field: string): unknown[] {
  if (Array.isArray(v)) return v;
  throw new UndecodableBatchError(`${field} is not a list`);
}

/** A number field; absent (nil) reads as `absent`. */
function num(v: unknown, field: string, absent = 0): number {
  if (v == null) return absent;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  throw new UndecodableBatchError(`${field} is not a number`);
}

function stored(hashes: unknown, parent: unknown, tokenIds: unknown, blockSize: unknown, lora: unknown, medium: unknown): KvEvent {
  return {
    type: 'BlockStored',
    blockHashes: list(hashes, 'block_hashes').map(hash),
    parentBlockHash: parent == null ? undefined : hash(parent),
    tokenIds: tokenIds == null ? [] : list(tokenIds, 'token_ids').map((t) => num(t, 'token id')),
    blockSize: num(blockSize, 'block_size'),
    loraName: typeof lora === 'string' ? lora : undefined,
    medium: tier(medium),
  };
}

function event(raw: unknown): KvEvent | undefined {
  if (Array.isArray(raw)) {
    const [tag, ...f] = raw;
    if (tag === 'BlockStored') return stored(f[0], f[1], f[2], f[3], f[6], f[5]);
    if (tag === 'BlockRemoved') return { type: 'BlockRemoved', blockHashes: list(f[0], 'block_hashes').map(hash), medium: tier(f[1]) };
    if (tag === 'AllBlocksCleared') return { type: 'AllBlocksCleared' };
    return undefined;
  }
  if (raw && typeof raw === 'object') {
    const o = raw as Record<string, unknown>;
    if (o.type === 'BlockStored') return stored(o.block_hashes, o.parent_block_hash, o.token_ids, o.block_size, o.lora_name, o.medium);
    if (o.type === 'BlockRemoved') return { type: 'BlockRemoved', blockHashes: list(o.block_hashes, 'block_hashes').map(hash), medium: tier(o.medium) };
    if (o.type === 'AllBlocksCleared') return { type: 'AllBlocksCleared' };
  }
  return undefined;
}

export interface DecodedBatch {
  ts: number;
  dataParallelRank: number;
  events: KvEvent[];
}

/** Decodes one batch; anything that is not one is refused with UndecodableBatchError, never another error. */
export function decodeEventBatch(payload: Uint8Array): DecodedBatch {
  let body: unknown;
  try {
    // No string, list or map can be longer than the payload: a length prefix that says otherwise is refused
    // before anything is allocated for it.
    const max = payload.length;
    body = decode(payload, { useBigInt64: true, maxStrLength: max, maxBinLength: max, maxArrayLength: max, maxMapLength: max, maxExtLength: max });
  } catch (err) {
    throw new UndecodableBatchError(`not msgpack: ${(err as Error).message}`);
  }
  const fields = Array.isArray(body) ? body : body && typeof body === 'object' ? [(body as Record<string, unknown>).ts, (body as Record<string, unknown>).events, (body as Record<string, unknown>).data_parallel_rank] : [];
  const [ts, events, rank] = fields;
  if (!Array.isArray(events)) throw new UndecodableBatchError('no events list');
  return { ts: num(ts, 'ts'), dataParallelRank: num(rank, 'data_parallel_rank'), events: events.map(event).filter((e): e is KvEvent => e !== undefined) };
}
