// PodSubscriber against a peer speaking vLLM's publisher protocol over real ZMQ sockets (PUB with
// (topic, seq, msgpack batch), ROUTER replay answering a start sequence, then -1).
import { createServer } from 'node:net';
import { encode } from '@msgpack/msgpack';
import pino from 'pino';
import { Publisher, Router } from 'zeromq';
import { DecodedBatch } from './event-batch-decoder';
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

async function peer(replayable: number[]) {
  const [pubPort, replayPort] = [await freePort(), await freePort()];
  const pub = new Publisher();
  await pub.bind(`tcp://127.0.0.1:${pubPort}`);
  const router = new Router();
  await router.bind(`tcp://127.0.0.1:${replayPort}`);
  void (async () => {
    for await (const [client, , start] of router) {
      const from = Number(start.readBigUInt64BE());
      for (const n of replayable) if (n >= from) await router.send([client, '', seqBytes(n), payload(n)]);
      await router.send([client, '', seqBytes(-1), '']);
    }
  })().catch(() => undefined);
  return { pub, router, pod: { id: 'p', kvEvents: { endpoint: `tcp://127.0.0.1:${pubPort}`, replayEndpoint: `tcp://127.0.0.1:${replayPort}` } } };
}

async function run(replayable: number[], sent: number[]) {
  const { pub, router, pod } = await peer(replayable);
  const got: number[] = [];
  const clears: ClearReason[] = [];
  const sub = new PodSubscriber(pod, { batch: (_p, seq: number, _b: DecodedBatch) => got.push(seq), cleared: (_p, r) => clears.push(r), undecodable: () => undefined }, pino({ level: 'silent' }));
  sub.start();
  await new Promise((r) => setTimeout(r, 200)); // the subscription reaches the publisher
  for (const n of sent) await pub.send(['kv@p@m', seqBytes(n), payload(n)]);
  await new Promise((r) => setTimeout(r, 300));
  await sub.stop();
  pub.close();
  router.close();
  return { got, clears };
}

describe('PodSubscriber', () => {
  it.each([
    ['in order', [], [0, 1, 2], [0, 1, 2], []],
    ['a gap filled from the replay socket', [0, 1, 2, 3], [0, 1, 3], [0, 1, 2, 3], []],
    ['a gap the replay buffer no longer holds', [3], [0, 1, 3], [0, 1, 3], ['gap-unrecoverable']],
    ['joining late: history from the replay buffer first', [0, 1, 2], [2, 3], [0, 1, 2, 3], []],
    ['a pod restart (numbering begins again)', [0], [0, 1, 2, 0, 1], [0, 1, 2, 0, 1], ['restart']],
  ])('%s', async (_name, replayable, sent, expected, clears) => {
    const out = await run(replayable, sent);
    expect(out.got).toEqual(expected);
    expect(out.clears).toEqual(clears);
  });
});
