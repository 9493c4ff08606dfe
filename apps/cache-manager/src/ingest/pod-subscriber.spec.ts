// PodSubscriber against a peer speaking vLLM's publisher protocol over real ZMQ sockets (PUB with
// (topic, seq, msgpack batch), ROUTER replay answering a start sequence, then -1).
import { createServer } from 'node:net';
import { encode } from '@msgpack/msgpack';
import pino from 'pino';
import { Publisher, Router } from 'zeromq';
import { DecodedBatch } from './event-batch-decoder';
import { NO_CURSOR, TopicCursor } from './kv-sequence.policy';
import { ClearReason, PodSubscriber } from './pod-subscriber';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });

const seqBytes = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(n));
  return b;
};
const payload = (n: number) => Buffer.from(encode({ ts: n, events: [{ type: 'BlockRemoved', block_hashes: [BigInt(n)], medium: 'GPU' }], data_parallel_rank: 0 }, { useBigInt64: true }));

type Step = number | { lost: number; retained: boolean };

/** A pod-like peer: a PUB socket and a ROUTER replay socket over its buffer of published batches. */
async function peer(preloaded: number[], perRequest = Infinity) {
  const [pubPort, replayPort] = [await freePort(), await freePort()];
  const buffer = [...preloaded];
  const pub = new Publisher();
  await pub.bind(`tcp://127.0.0.1:${pubPort}`);
  const router = new Router();
  await router.bind(`tcp://127.0.0.1:${replayPort}`);
  void (async () => {
    for await (const [client, , start] of router) {
      const from = Number(start.readBigUInt64BE());
      // A send queue that holds `perRequest` batches: the rest of a long history, and the end marker, are dropped.
      const wanted = buffer.filter((n) => n >= from);
      for (const n of wanted.slice(0, perRequest)) await router.send([client, '', seqBytes(n), payload(n)]);
      if (wanted.length <= perRequest) await router.send([client, '', seqBytes(-1), '']);
    }
  })().catch(() => undefined);
  /** Publishes a batch; a lost one reaches the buffer (if retained) but not the live stream. */
  const publish = async (step: Step) => {
    if (typeof step === 'number') {
      buffer.push(step);
      await pub.send(['kv@p@m', seqBytes(step), payload(step)]);
    } else if (step.retained) {
      buffer.push(step.lost);
    }
  };
  return { pub, router, publish, pod: { id: 'p', kvEvents: { endpoint: `tcp://127.0.0.1:${pubPort}`, replayEndpoint: `tcp://127.0.0.1:${replayPort}` } } };
}

async function run(preloaded: number[], steps: Step[], cursor: TopicCursor) {
  const { pub, router, pod, publish } = await peer(preloaded);
  const got: number[] = [];
  const clears: ClearReason[] = [];
  const gaps: boolean[] = [];
  const sub = new PodSubscriber(pod, { batch: (_p, seq: number, _b: DecodedBatch) => got.push(seq), cleared: (_p, r) => clears.push(r), undecodable: () => undefined, gap: (_p, filled) => gaps.push(filled) }, pino({ level: 'silent' }));
  sub.start(cursor);
  await new Promise((r) => setTimeout(r, 200)); // the subscription reaches the publisher
  for (const step of steps) await publish(step);
  await new Promise((r) => setTimeout(r, 300));
  await sub.stop();
  pub.close();
  router.close();
  return { got, clears, gaps };
}

// The topic's last batch of the pod, as the peer stamps it (ts = seq).
const onTopic = (seq: number): TopicCursor => ({ kind: 'batch', seq, ts: seq });

describe('PodSubscriber', () => {
  it.each([
    ['a fresh pod, in order', [], NO_CURSOR, [0, 1, 2], [0, 1, 2], [], []],
    ['a lost batch filled from the replay socket', [], NO_CURSOR, [0, { lost: 1, retained: true }, 2], [0, 1, 2], [], [true]],
    ['a lost batch the replay buffer no longer holds', [], NO_CURSOR, [0, { lost: 1, retained: false }, 2], [0, 2], ['gap-unrecoverable'], [false]],
    ['joining a pod the topic does not know: its buffer first, live duplicates skipped', [0, 1, 2], NO_CURSOR, [2, 3], [0, 1, 2, 3], [], []],
    ['joining past the start of the replay buffer', [5], NO_CURSOR, [5, 6], [5, 6], [], []],
    ['a pod restart (numbering begins again)', [], NO_CURSOR, [0, 1, 2, 0, 1], [0, 1, 2, 0, 1], ['restart'], []],
    ['taking over a pod: only what the topic does not hold yet', [0, 1, 2, 3], onTopic(1), [4], [2, 3, 4], [], []],
    ['taking over a pod that restarted since the topic\'s last batch', [0, 1], onTopic(7), [2], [0, 1, 2], ['restart'], []],
    ['taking over a pod whose buffer moved past unpublished batches', [6, 7], onTopic(3), [8], [6, 7, 8], ['gap-unrecoverable'], [false]],
    ['a new pod under an id the topic holds batches of', [], onTopic(9), [0, 1], [0, 1], ['restart'], []],
  ] as [string, number[], TopicCursor, Step[], number[], ClearReason[], boolean[]][])('%s', async (_name, preloaded, cursor, steps, expected, clears, gaps) => {
    const out = await run(preloaded, steps, cursor);
    expect(out.got).toEqual(expected);
    expect(out.clears).toEqual(clears);
    expect(out.gaps).toEqual(gaps);
  });

  it('forgets what the topic holds of a pod at once when its replay socket does not answer, then follows it live', async () => {
    const { pub, router, pod, publish } = await peer([]);
    const dead = await freePort();
    const got: number[] = [];
    const clears: ClearReason[] = [];
    const sub = new PodSubscriber({ ...pod, kvEvents: { ...pod.kvEvents, replayEndpoint: `tcp://127.0.0.1:${dead}` } }, { batch: (_p, seq: number) => got.push(seq), cleared: (_p, r) => clears.push(r), undecodable: () => undefined }, pino({ level: 'silent' }));
    sub.start(onTopic(4));
    await sub.initialSync; // the replay request times out
    expect(clears).toEqual(['pod-start']);
    for (const n of [0, 1]) await publish(n);
    await new Promise((r) => setTimeout(r, 300));
    await sub.stop();
    pub.close();
    router.close();
    expect(got).toEqual([0, 1]);
    expect(clears).toEqual(['pod-start']);
  }, 10000);
});

describe('PodSubscriber back-pressure', () => {
  it('stops reading the pod while the producer is full, and loses nothing once there is room', async () => {
    const { pub, router, pod, publish } = await peer([]);
    const got: number[] = [];
    let full = false;
    let release: () => void = () => undefined;
    const room = new Promise<void>((r) => (release = r));
    let pauses = 0;
    const sub = new PodSubscriber(pod, {
      batch: (_p, seq: number) => {
        got.push(seq);
        full = true; // the first batch fills the producer
      },
      cleared: () => undefined,
      undecodable: () => undefined,
      hasRoom: () => !full,
      room: () => room,
      paused: () => pauses++,
    }, pino({ level: 'silent' }));
    sub.start();
    await sub.initialSync;
    await new Promise((r) => setTimeout(r, 200)); // the subscription reaches the publisher
    for (const n of [0, 1, 2]) await publish(n);
    await new Promise((r) => setTimeout(r, 300));
    expect(got).toEqual([0]);
    expect(pauses).toBe(1);
    full = false;
    release();
    await new Promise((r) => setTimeout(r, 300));
    await sub.stop();
    pub.close();
    router.close();
    expect(got).toEqual([0, 1, 2]);
  }, 10000);

  it('reads a replay buffer longer than the replay socket sends at once, in rounds, from the first batch missing', async () => {
    const history = Array.from({ length: 10 }, (_, i) => i);
    const { pub, router, pod } = await peer(history, 4);
    const got: number[] = [];
    const clears: ClearReason[] = [];
    const sub = new PodSubscriber(pod, { batch: (_p, seq: number) => got.push(seq), cleared: (_p, r) => clears.push(r), undecodable: () => undefined, gap: () => undefined }, pino({ level: 'silent' }));
    sub.start(NO_CURSOR);
    const deadline = Date.now() + 20000;
    while (got.length < history.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await sub.stop();
    pub.close();
    router.close();
    expect(got).toEqual(history);
    expect(clears).toEqual([]);
  }, 30000);
});
