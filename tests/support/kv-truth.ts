// The pods' true block pools, for accuracy checks: each pod's whole KV-event history, read from its
// own replay socket (the soak's reader, in rounds: the ROUTER drops what its queue cannot hold),
// folded into a fresh index with the same applier cache-manager uses. Score answers compared with this index's lookups
// say whether cache-manager's index matches what the pods hold.
import { replayAll } from '@llmd/bench';
import { InMemoryKvBlockIndex, KvEventApplier, PrefixHit } from '@llmd/kv-index';
import { tokenBlockKeys } from '@llmd/prefix-hash';

export interface ReplayedBatch {
  seq: number;
  ts: number;
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
      for (const b of history) pools.applier.apply(pod.id, b.events, 0);
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
