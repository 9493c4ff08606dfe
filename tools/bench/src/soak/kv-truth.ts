// The pods' true block pools, read from each pod's own KV-event replay socket (vLLM's replay buffer,
// from the pod's first batch) and folded into a fresh index with the applier cache-manager uses; and
// the comparison of cache-manager's Score answers with it. The tests' TrueBlockPools (tests/support) read
// the pods through replayAll too.
import { credentials, Metadata } from '@grpc/grpc-js';
import { decode } from '@msgpack/msgpack';
import { Dealer } from 'zeromq';
import { IndexEvent, InMemoryKvBlockIndex, KvEventApplier } from '@llmd/kv-index';
import { tokenBlockKeys } from '@llmd/prefix-hash';
import { cachev1 } from '@llmd/proto';

type Hash = bigint | Uint8Array;

/** vLLM's KVEventBatch in its map encoding (vllm-sim's default), read independently of cache-manager's decoder, which is under test. */
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

/**
 * Every batch the replay socket holds, from `from` on. The pod's ROUTER socket drops what does not fit
 * its send queue (a long history does not), so a gap or a silence is followed by a new request from
 * the first batch missing; each round moves on by at least a queue's worth.
 */
export async function replayAll(endpoint: string): Promise<{ seq: number; ts: number; events: IndexEvent[] }[]> {
  const out: { seq: number; ts: number; events: IndexEvent[] }[] = [];
  for (let round = 0; round < 200; round++) {
    const dealer = new Dealer({ receiveTimeout: 3000, sendTimeout: 5000, linger: 0, receiveHighWaterMark: 0 });
    const from = Buffer.alloc(8);
    from.writeBigInt64BE(BigInt(out.length > 0 ? out[out.length - 1].seq + 1 : 0));
    try {
      dealer.connect(endpoint);
      await dealer.send(['', from]);
      for (;;) {
        const [, seq, payload] = await dealer.receive();
        const n = Number(seq.readBigInt64BE());
        if (n === -1) return out;
        const expected = out.length > 0 ? out[out.length - 1].seq + 1 : n;
        if (n < expected) continue;
        if (n > expected) break;
        out.push({ seq: n, ...decodeEventBatch(payload) });
      }
    } catch {
      // silence: the rest was dropped; ask again from the first batch missing
    } finally {
      dealer.close();
    }
  }
  throw new Error(`${endpoint} did not replay its history to the end in 200 rounds`);
}

export interface KvPod {
  id: string;
  replayEndpoint: string;
}

export interface IndexCheck {
  /** null when the truth could not be read (a replay buffer that no longer starts at the pod's first batch). */
  accurate: boolean | null;
  detail: string;
}

const call = <T>(fn: (cb: (err: Error | null, res?: T) => void) => void) => new Promise<T>((resolve, reject) => fn((err, res) => (err || !res ? reject(err ?? new Error('no response')) : resolve(res))));

/**
 * Waits until cache-manager has read every pod's last batch (its per-pod sequence equals the replay
 * socket's), then compares its Score answer for each prompt with the truth, per pod and tier.
 */
export async function checkIndex(cacheManager: string, model: string, pods: readonly KvPod[], prompts: readonly number[][], timeoutMs = 30000): Promise<IndexCheck> {
  const index = new InMemoryKvBlockIndex(10_000_000);
  const applier = new KvEventApplier(index, 0);
  const lastSeq = new Map<string, number>();
  for (const pod of pods) {
    const history = await replayAll(pod.replayEndpoint);
    if (history.length > 0 && history[0].seq !== 0) return { accurate: null, detail: `${pod.id}'s replay buffer no longer starts at its first batch (raise buffer_steps for runs this long)` };
    for (const b of history) applier.apply(pod.id, b.events, 0);
    lastSeq.set(pod.id, history.at(-1)?.seq ?? -1);
  }
  const client = new cachev1.KvCacheClient(cacheManager, credentials.createInsecure());
  const deadline = () => ({ deadline: new Date(Date.now() + 5000) });
  try {
    let behind = '';
    for (const end = Date.now() + timeoutMs; ; ) {
      const stats = await call<cachev1.StatsResponse>((cb) => client.stats({}, new Metadata(), deadline(), cb)).catch(() => undefined);
      const seqOf = (p: string) => Number(stats?.endpoints.find((e) => e.endpointId === p)?.lastSeq ?? -1);
      behind = pods.filter((p) => seqOf(p.id) !== lastSeq.get(p.id)).map((p) => `${p.id} at ${seqOf(p.id)} of ${lastSeq.get(p.id)}`).join(', ');
      if (stats && !behind) break;
      if (Date.now() > end) return { accurate: false, detail: `the index did not catch up with the pods within ${timeoutMs} ms: ${behind || 'cache-manager did not answer Stats'}` };
      await new Promise((r) => setTimeout(r, 500));
    }
    const ids = pods.map((p) => p.id);
    let differ = 0;
    let first = '';
    for (const prompt of prompts) {
      const req = cachev1.ScoreRequest.fromPartial({ model, input: { $case: 'tokenIds', value: { ids: prompt } }, endpointIds: ids });
      const res = await call<cachev1.ScoreResponse>((cb) => client.score(req, new Metadata(), deadline(), cb));
      const hits = index.lookup(tokenBlockKeys(prompt, 16, { seed: 0 }), ids);
      for (const id of ids) {
        const got = res.scores.find((s) => s.endpointId === id);
        const want = hits.get(id) ?? { gpu: 0, cpu: 0, disk: 0 };
        const have = { gpu: got?.tiers[0]?.blocks ?? 0, cpu: got?.tiers[1]?.blocks ?? 0, disk: got?.tiers[2]?.blocks ?? 0 };
        if (have.gpu !== want.gpu || have.cpu !== want.cpu || have.disk !== want.disk) {
          differ++;
          first ||= `${id}: index ${JSON.stringify(have)}, pod ${JSON.stringify(want)}`;
        }
      }
    }
    return differ === 0 ? { accurate: true, detail: `${prompts.length} prompts x ${ids.length} pods match` } : { accurate: false, detail: `${differ} of ${prompts.length * ids.length} (prompt, pod) pairs differ; first: ${first}` };
  } finally {
    client.close();
  }
}
