// The pods' true block pools, for accuracy checks: each pod's whole KV-event history, read from its
// own replay socket (vLLM's replay buffer holds every batch of a short test run), folded into a fresh
// index with the same applier cache-manager uses. Score answers compared with this index's lookups
// say whether cache-manager's index matches what the pods hold.
import { decode } from '@msgpack/msgpack';
import { Dealer } from 'zeromq';
import { IndexEvent, InMemoryKvBlockIndex, KvEventApplier, PrefixHit } from '@llmd/kv-index';
import { tokenBlockKeys } from '@llmd/prefix-hash';

type Hash = bigint | Uint8Array;

/**
 * vLLM's KVEventBatch in its map encoding (vllm-sim's default), read independently of cache-manager's
 * decoder, which is under test.
 */
function decodeEventBatch(payload: Uint8Array): { ts: number; events: IndexEvent[] } {
  const body = decode(payload, { useBigInt64: true }) as { ts: number; events: Record<string, unknown>[] };
  const tier = (m: unknown) => (String(m).toUpperCase() === 'CPU' ? 'cpu' : 'gpu');
  const hashes = (v: unknown) => (v as (Hash | number)[]).map((h) => (typeof h === 'number' ? BigInt(h) : h));
  const events = body.events.map((e): IndexEvent => {
    if (e.type === 'BlockStored') {
      return { type: 'BlockStored', blockHashes: hashes(e.block_hashes), parentBlockHash: e.parent_block_hash == null ? undefined : hashes([e.parent_block_hash])[0], tokenIds: (e.token_ids as number[]).map(Number), blockSize: Number(e.block_size), loraName: typeof e.lora_name === 'string' ? e.lora_name : undefined, medium: tier(e.medium) };
    }
    if (e.type === 'BlockRemoved') return { type: 'BlockRemoved', blockHashes: hashes(e.block_hashes), medium: tier(e.medium) };
    if (e.type === 'AllBlocksCleared') return { type: 'AllBlocksCleared' };
    throw new Error(`unexpected KV event ${String(e.type)}`);
  });
  return { ts: Number(body.ts), events };
}

export interface ReplayedBatch {
  seq: number;
  ts: number;
}

/** Every batch the pod's replay socket holds, decoded, in order. */
export async function replayAll(endpoint: string): Promise<(ReplayedBatch & { batch: ReturnType<typeof decodeEventBatch> })[]> {
  const dealer = new Dealer({ receiveTimeout: 5000, sendTimeout: 5000, linger: 0 });
  try {
    dealer.connect(endpoint);
    await dealer.send(['', Buffer.alloc(8)]);
    const out: (ReplayedBatch & { batch: ReturnType<typeof decodeEventBatch> })[] = [];
    for (;;) {
      const [, seq, payload] = await dealer.receive();
      const n = Number(seq.readBigInt64BE());
      if (n === -1) return out;
      const batch = decodeEventBatch(payload);
      out.push({ seq: n, ts: batch.ts, batch });
    }
  } finally {
    dealer.close();
  }
}

export class TrueBlockPools {
  private readonly index = new InMemoryKvBlockIndex(10_000_000);
  private readonly applier = new KvEventApplier(this.index, 0);
  /** Each pod's batches, as its replay socket numbered and stamped them. */
  readonly batches = new Map<string, ReplayedBatch[]>();

  static async read(pods: { id: string; kvEvents: { replayEndpoint: string } }[]): Promise<TrueBlockPools> {
    const pools = new TrueBlockPools();
    for (const pod of pods) {
      const history = await replayAll(pod.kvEvents.replayEndpoint);
      if (history.length > 0 && history[0].seq !== 0) throw new Error(`${pod.id}'s replay buffer no longer starts at its first batch`);
      for (const b of history) pools.applier.apply(pod.id, b.batch.events, 0);
      pools.batches.set(pod.id, history.map(({ seq, ts }) => ({ seq, ts })));
    }
    return pools;
  }

  /** Per pod, the leading blocks of `tokenIds` it truly holds, by tier (Score's `tiers`). */
  lookup(tokenIds: number[], pods: string[], blockSize = 16): Record<string, PrefixHit> {
    const hits = this.index.lookup(tokenBlockKeys(tokenIds, blockSize, { seed: 0 }), pods);
    return Object.fromEntries(pods.map((p) => [p, hits.get(p) ?? { gpu: 0, cpu: 0, disk: 0 }]));
  }
}
