// `llmd kafka start|stop|status|topics|tail`: the local broker and llmd's topics.
import { Kafka, logLevel } from 'kafkajs';
import { brokerStatus, KAFKA_VERSION, startBroker, stopBroker } from '../kafka/kafka-broker';
import { ensureTopics, tailTopic } from '../kafka/topics';

const USAGE = `usage: llmd kafka start|stop|status|topics
       llmd kafka tail <topic> [--from-beginning] [--max N] [--idle-ms MS] [--bootstrap host:port]`;

export async function kafkaCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const flag = (name: string) => {
    const i = rest.indexOf(name);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  const bootstrap = flag('--bootstrap') ?? '127.0.0.1:9092';
  switch (sub) {
    case 'start': {
      const broker = await startBroker({}, say);
      const created = await ensureTopics(broker.bootstrap);
      say(`Kafka ${KAFKA_VERSION} running on ${broker.bootstrap} (pid ${broker.pid}); topics ${created.length ? `created: ${created.join(', ')}` : 'present'}`);
      return 0;
    }
    case 'stop':
      say((await stopBroker()) ? 'Kafka stopped' : 'Kafka was not running');
      return 0;
    case 'status': {
      const s = brokerStatus();
      say(s.running ? `Kafka ${KAFKA_VERSION} running (pid ${s.pid}, data in ${s.dir})` : 'Kafka not running');
      return s.running ? 0 : 3;
    }
    case 'topics': {
      const admin = new Kafka({ clientId: 'llmd-cli', brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      const meta = await admin.fetchTopicMetadata();
      for (const t of meta.topics.filter((x) => !x.name.startsWith('__')).sort((a, b) => a.name.localeCompare(b.name))) {
        const offsets = await admin.fetchTopicOffsets(t.name);
        const records = offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0);
        say(`${t.name}\tpartitions=${t.partitions.length}\trecords=${records}`);
      }
      await admin.disconnect();
      return 0;
    }
    case 'tail': {
      const topic = rest.find((a) => !a.startsWith('--') && a !== flag('--max') && a !== flag('--idle-ms') && a !== flag('--bootstrap'));
      if (!topic) {
        say(USAGE);
        return 2;
      }
      const max = flag('--max');
      const idle = flag('--idle-ms');
      await tailTopic(bootstrap, topic, { fromBeginning: rest.includes('--from-beginning'), max: max ? Number(max) : undefined, idleMs: idle ? Number(idle) : undefined }, say);
      return 0;
    }
    default:
      say(USAGE);
      return 2;
  }
}
