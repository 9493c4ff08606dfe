// KV events are the index's source of truth: with two cache-manager replicas, each pod is ingested by
// exactly one of them (the ownership group), each batch reaches the topic once, and when a replica is
// killed the other takes its pods over within the stated bound, resuming each after the topic's last
// batch of it, so the index still matches what the pods truly hold.
import type { LocalStack } from '@llmd/cli';
import { partitionOfKey } from '@llmd/platform';
import { cachev1 } from '@llmd/proto';
import { credentials, Metadata } from '@grpc/grpc-js';
import { ingestedPods, Replica, stackKvPods, startCacheManagerReplica } from '../support/cache-manager-replica';
import { endOffsets, Offsets, readKvTopic } from '../support/kv-topic';
import { TrueBlockPools } from '../support/kv-truth';
import { E2E_MODEL, startTestStack } from '../support/test-stack';
import { until } from '../support/until';

const PODS = ['sim-0', 'sim-1', 'sim-2'];
const SESSION_TIMEOUT_MS = 6000; // the broker's group.min.session.timeout.ms: the shortest it allows
const HEARTBEAT_MS = 500;
/** The stated bound (config.ts, ingestSchema): session timeout + 2 heartbeats + one replay request (2 s). */
const TAKEOVER_BOUND_MS = SESSION_TIMEOUT_MS + 2 * HEARTBEAT_MS + 2000;
// Three partitions that the three pods cover: however two replicas split them, each owns a pod.
const PARTITIONS = 3;
const run = `${Date.now()}-${process.pid}`;
const INGEST_ENV = {
  LLMD_CACHE_MANAGER_INGEST_GROUP_ID: `llmd-e2e-ingest-${run}`,
  LLMD_CACHE_MANAGER_INGEST_TOPIC: `llmd.e2e-kv-owners-${run}`,
  LLMD_CACHE_MANAGER_INGEST_PARTITIONS: String(PARTITIONS),
  LLMD_CACHE_MANAGER_INGEST_SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS),
  LLMD_CACHE_MANAGER_INGEST_HEARTBEAT_MS: String(HEARTBEAT_MS),
};

/** Prompts as token ids (so the truth needs no tokenizer): 6 shared 160-token prefixes, own tails. */
const prompt = (i: number) => [...Array.from({ length: 160 }, (_, t) => 1000 + (i % 6) * 500 + t), ...Array.from({ length: 40 + (i % 5) * 8 }, (_, t) => 60000 + i * 100 + t)];

function score(address: string, ids: number[]): Promise<cachev1.ScoreResponse> {
  const client = new cachev1.KvCacheClient(address, credentials.createInsecure());
  const req = cachev1.ScoreRequest.fromPartial({ model: E2E_MODEL, input: { $case: 'tokenIds', value: { ids } }, endpointIds: PODS });
  return new Promise<cachev1.ScoreResponse>((resolve, reject) => client.score(req, new Metadata(), { deadline: new Date(Date.now() + 5000) }, (err, res) => (err || !res ? reject(err) : resolve(res)))).finally(() => client.close());
}

function stats(address: string): Promise<cachev1.StatsResponse> {
  const client = new cachev1.KvCacheClient(address, credentials.createInsecure());
  return new Promise<cachev1.StatsResponse>((resolve, reject) => client.stats({}, new Metadata(), { deadline: new Date(Date.now() + 5000) }, (err, res) => (err || !res ? reject(err) : resolve(res)))).finally(() => client.close());
}

describe('KV-event ingestion with two cache-manager replicas', () => {
  let stack: LocalStack;
  let second: Replica | undefined;
  let start: Offsets;
  const sent: number[][] = [];

  const send = async (i: number) => {
    const ids = prompt(i);
    const res = await fetch(`http://127.0.0.1:${stack.options.ports.sims[i % PODS.length]}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: E2E_MODEL, prompt: ids, max_tokens: 4 }),
    });
    expect(res.status).toBe(200);
    await res.text();
    sent.push(ids);
  };

  /**
   * Waits until the replica has read everything the pods published (their replay sockets hold their
   * whole history), then checks that its index matches the pods' true block pools on every prompt
   * sent so far, per pod and tier.
   */
  const expectIndexTrue = async (address: string): Promise<TrueBlockPools> => {
    const truth = await TrueBlockPools.read(stackKvPods(stack));
    const lastSeq = (pod: string) => truth.batches.get(pod)?.at(-1)?.seq ?? -1;
    await until(async () => {
      const s = await stats(address);
      return PODS.every((p) => Number(s.endpoints.find((e) => e.endpointId === p)?.lastSeq ?? -1) === lastSeq(p));
    }, 20000);
    for (const ids of sent) {
      const res = await score(address, ids);
      const got = Object.fromEntries(res.scores.map((s) => [s.endpointId, { gpu: s.tiers[0]?.blocks ?? 0, cpu: s.tiers[1]?.blocks ?? 0, disk: s.tiers[2]?.blocks ?? 0 }]));
      expect(got).toEqual(truth.lookup(ids, PODS));
    }
    return truth;
  };

  beforeAll(async () => {
    start = await endOffsets(process.env.LLMD_E2E_KAFKA!);
    stack = await startTestStack(PODS.length, { env: INGEST_ENV });
  }, 120000);

  afterAll(async () => {
    if (second && second.child.exitCode === null && second.child.signalCode === null) second.child.kill('SIGKILL');
    await stack?.stop();
  });

  it('splits the pods between the replicas, takes a killed replica\'s pods over within the bound, publishes each batch once and keeps the index true', async () => {
    expect(new Set(PODS.map((p) => partitionOfKey(p, PARTITIONS))).size).toBe(PARTITIONS);
    const firstOps = stack.options.ports.cacheManagerOps;
    const firstGrpc = `127.0.0.1:${stack.options.ports.cacheManager}`;
    await until(async () => (await ingestedPods(firstOps)).length === PODS.length, 30000);

    // A second replica joins: the pods are split, each ingested by exactly one replica.
    const replica = await startCacheManagerReplica(stack, INGEST_ENV);
    second = replica;
    let split: [string[], string[]] = [[], []];
    await until(async () => {
      split = [await ingestedPods(firstOps), await ingestedPods(replica.opsPort)];
      return split[0].length > 0 && split[1].length > 0 && [...split[0], ...split[1]].sort().join() === PODS.join();
    }, 30000);

    // Load before, while and after the second replica is dead. Before the kill, both replicas' indexes
    // hold every pod (each reads the whole topic, not only what it ingests).
    for (let i = 0; i < 15; i++) await send(i);
    await expectIndexTrue(firstGrpc);
    await expectIndexTrue(`127.0.0.1:${replica.grpcPort}`);
    const killedAt = Date.now();
    replica.child.kill('SIGKILL');
    await replica.exited;
    const atKill = await endOffsets(process.env.LLMD_E2E_KAFKA!);
    for (let i = 15; i < 24; i++) await send(i);
    await until(async () => (await ingestedPods(firstOps)).join() === PODS.join(), TAKEOVER_BOUND_MS);
    const takeoverMs = Date.now() - killedAt;
    expect(takeoverMs).toBeLessThanOrEqual(TAKEOVER_BOUND_MS);
    for (let i = 24; i < 36; i++) await send(i);

    const truth = await expectIndexTrue(firstGrpc);

    // The topic holds each of the pods' batches exactly once, and no clear since the kill: the
    // survivor resumed the dead replica's pods after their last published batch.
    const records = await readKvTopic(process.env.LLMD_E2E_KAFKA!, start, await endOffsets(process.env.LLMD_E2E_KAFKA!));
    for (const pod of PODS) {
      const own = records.filter((r) => r.record.endpointId === pod && r.clearReason === undefined).map((r) => `${r.record.seq}@${r.record.ts}`);
      expect(own).toEqual((truth.batches.get(pod) ?? []).map((b) => `${b.seq}@${b.ts}`));
    }
    const clearsSinceKill = records.filter((r) => r.clearReason !== undefined && r.offset >= (atKill.get(r.partition) ?? 0));
    expect(clearsSinceKill.map((r) => `${r.record.endpointId}:${r.clearReason}`)).toEqual([]);

    expect(sent.length).toBe(36);
    console.log(`take-over after SIGKILL: ${takeoverMs} ms (bound ${TAKEOVER_BOUND_MS} ms); split before the kill: ${JSON.stringify(split)}`);
  }, 120000);
});
