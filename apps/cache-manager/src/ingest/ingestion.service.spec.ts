// IngestionService's ownership wiring, without Kafka: which pods it subscribes to as the ownership
// group's share changes, and who clears a pod that went away. The pods' sockets do not exist (nothing
// needs to be read here); their replay requests time out, which a pod the topic never saw survives.
import pino from 'pino';
import { Counter, Gauge, Registry } from 'prom-client';
import { NO_CURSOR } from './kv-sequence.policy';
import { IngestionService, KvEventProducer } from './ingestion.service';
import { podPartition } from './pod-ownership.policy';

const PARTITIONS = 4;
const pods = ['sim-0', 'sim-1', 'sim-2', 'sim-3'].map((id, i) => ({ id, kvEvents: { endpoint: `tcp://127.0.0.1:${40000 + i}` } }));
const partitionOf = (id: string) => podPartition(id, PARTITIONS);

function service() {
  const registry = new Registry();
  const published: { key: string; headers: Record<string, string> }[] = [];
  const producer: KvEventProducer = { enqueue: (r) => published.push({ key: r.key, headers: r.headers }), hasRoom: () => true, room: async () => undefined, flushed: async () => undefined };
  const registers = [registry];
  const svc = new IngestionService(producer, { cursor: () => NO_CURSOR, caughtUp: async () => undefined }, pino({ level: 'silent' }), {
    batches: new Counter({ name: 'b', help: 'b', labelNames: ['pod'], registers }),
    clears: new Counter({ name: 'c', help: 'c', labelNames: ['reason'], registers }),
    undecodable: new Counter({ name: 'u', help: 'u', registers }),
    gaps: new Counter({ name: 'g', help: 'g', labelNames: ['outcome'], registers }),
    pauses: new Counter({ name: 'p', help: 'p', registers }),
    owner: new Gauge({ name: 'o', help: 'o', labelNames: ['pod'], registers }),
  });
  return { svc, published };
}

describe('IngestionService ownership', () => {
  it('ingests nothing before the group gives it a share, then exactly the pods hashed onto its partitions', async () => {
    const { svc } = service();
    await svc.start(pods, undefined);
    expect(svc.ownedPodIds()).toEqual([]);
    const mine = [partitionOf('sim-0'), partitionOf('sim-1')];
    svc.assigned(mine, PARTITIONS);
    await svc.settled();
    const want = pods.map((p) => p.id).filter((id) => mine.includes(partitionOf(id)));
    expect(want.length).toBeLessThan(pods.length);
    expect(svc.ownedPodIds().sort()).toEqual(want.sort());
    await svc.stop();
  });

  it('takes up a new share by the difference: a larger one, then a smaller one', async () => {
    const { svc } = service();
    await svc.start(pods, undefined);
    svc.assigned([partitionOf('sim-0')], PARTITIONS);
    await svc.settled();
    expect(svc.ownedPodIds()).toEqual(['sim-0']);
    svc.assigned([0, 1, 2, 3], PARTITIONS);
    await svc.settled();
    expect(svc.ownedPodIds().sort()).toEqual(pods.map((p) => p.id));
    svc.assigned([partitionOf('sim-0')], PARTITIONS);
    await svc.settled();
    expect(svc.ownedPodIds()).toEqual(pods.map((p) => p.id).filter((id) => partitionOf(id) === partitionOf('sim-0')));
    await svc.stop();
  });

  it('ignores a share handed to it while it stops', async () => {
    const { svc } = service();
    await svc.start(pods, undefined);
    await svc.stop();
    svc.assigned([0, 1, 2, 3], PARTITIONS);
    await svc.settled();
    expect(svc.ownedPodIds()).toEqual([]);
  });
});
