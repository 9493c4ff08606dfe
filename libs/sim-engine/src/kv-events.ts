// KV cache events as vLLM emits them (vllm/distributed/kv_events.py), in engine terms.

export type Medium = 'GPU' | 'CPU';

export type SimKvEvent =
  | { type: 'BlockStored'; blockHashes: bigint[]; parentBlockHash: bigint | null; tokenIds: number[]; blockSize: number; loraName: string | null; medium: Medium }
  | { type: 'BlockRemoved'; blockHashes: bigint[]; medium: Medium }
  | { type: 'AllBlocksCleared' };
