// vLLM's KVEventBatch in msgpack, in both of vLLM's encodings: the newer maps (msgspec tagged structs,
// `type` key) and the older positional arrays (array_like structs, tag first).
import { encode } from '@msgpack/msgpack';
import type { SimKvEvent } from '@llmd/sim-engine';

export type KvEventsFormat = 'map' | 'array';

function eventAsMap(e: SimKvEvent): Record<string, unknown> {
  switch (e.type) {
    case 'BlockStored':
      return { type: 'BlockStored', block_hashes: e.blockHashes, parent_block_hash: e.parentBlockHash, token_ids: e.tokenIds, block_size: e.blockSize, lora_id: null, medium: e.medium, lora_name: e.loraName };
    case 'BlockRemoved':
      return { type: 'BlockRemoved', block_hashes: e.blockHashes, medium: e.medium };
    case 'AllBlocksCleared':
      return { type: 'AllBlocksCleared' };
  }
}

function eventAsArray(e: SimKvEvent): unknown[] {
  switch (e.type) {
    case 'BlockStored':
      return ['BlockStored', e.blockHashes, e.parentBlockHash, e.tokenIds, e.blockSize, null, e.medium, e.loraName];
    case 'BlockRemoved':
      return ['BlockRemoved', e.blockHashes, e.medium];
    case 'AllBlocksCleared':
      return ['AllBlocksCleared'];
  }
}

/** One EventBatch (ts in seconds since the epoch) as msgpack bytes. */
export function encodeEventBatch(ts: number, events: readonly SimKvEvent[], dataParallelRank: number, format: KvEventsFormat): Uint8Array {
  const body = format === 'map' ? { ts, events: events.map(eventAsMap), data_parallel_rank: dataParallelRank } : [ts, events.map(eventAsArray), dataParallelRank];
  return encode(body, { useBigInt64: true });
}
