// `llmd kafka start|stop|status|run|topics|tail`: the local broker and llmd's topics.
import { Kafka, logLevel } from 'kafkajs';
import { defineCommand, FlagSpec } from '../args';
import { liveOwner } from '../kafka/broker-ownership';
import { BrokerOwnedError } from '../kafka/broker-owned.error';
import { SupervisedBroker } from '../kafka/broker-supervisor';
import { waitForBrokerServing } from '../kafka/group-coordinator';
import { brokerDir, brokerStatus, KAFKA_VERSION, startBroker, stopBroker } from '../kafka/kafka-broker';
import { ensureTopics, tailTopic } from '../kafka/topics';
import { command, CliGroup } from './cli-command';

const port = { type: 'integer', min: 1, max: 65535, default: '9092', description: 'the broker\'s port (its controller listens on the next one)' } as const satisfies FlagSpec;
const controllerPort = { type: 'integer', min: 1, max: 65535, valueName: 'PORT', description: 'the broker\'s KRaft controller port (default: --port + 1)' } as const satisfies FlagSpec;
const bootstrap = { type: 'string', default: '127.0.0.1:9092', valueName: 'HOST:PORT', description: 'the broker to read from' } as const satisfies FlagSpec;
const say = (line: string) => process.stdout.write(`${line}\n`);

const start = command(
  defineCommand({ name: 'llmd kafka start', summary: 'start the local broker in the background (left running for every stack) and create llmd\'s topics', flags: { port, 'controller-port': controllerPort } }),
  async ({ values }) => {
    const broker = await startBroker({ port: values.port, controllerPort: values['controller-port'] }, say);
    const created = await ensureTopics(broker.bootstrap);
    await waitForBrokerServing(broker.bootstrap);
    say(`Kafka ${KAFKA_VERSION} running on ${broker.bootstrap} (pid ${broker.pid}); topics ${created.length ? `created: ${created.join(', ')}` : 'present'}`);
    return 0;
  },
);

const stop = command(
  defineCommand({ name: 'llmd kafka stop', summary: 'stop the local broker (not one a running stack owns)', flags: { port } }),
  async ({ values }) => {
    const owner = liveOwner(brokerDir({ port: values.port }));
    if (owner && owner.pid !== process.pid) throw new BrokerOwnedError(owner.pid, brokerDir({ port: values.port }), `the broker belongs to the running llmd stack (pid ${owner.pid}): stop that stack (Ctrl-C in its terminal) instead`);
    say((await stopBroker({ port: values.port })) ? 'Kafka stopped' : 'Kafka was not running');
    return 0;
  },
);

const status = command(
  defineCommand({ name: 'llmd kafka status', summary: 'whether the local broker runs, and which stack owns it (exit 3 when it does not run)', flags: { port } }),
  async ({ values }) => {
    const s = brokerStatus({ port: values.port });
    const owner = liveOwner(s.dir);
    const by = owner ? `, owned by the llmd process ${owner.pid}${owner.stopping ? ', which is stopping' : ''}` : '';
    say(s.running ? `Kafka ${KAFKA_VERSION} running (pid ${s.pid}, data in ${s.dir}${by})` : 'Kafka not running');
    return s.running ? 0 : 3;
  },
);

const run = command(
  defineCommand({ name: 'llmd kafka run', summary: 'run the local broker in the foreground, owned like `llmd up`\'s: restarted if it exits, stopped by Ctrl-C', flags: { port, 'controller-port': controllerPort } }),
  async ({ values }) => {
    const broker = await SupervisedBroker.start({ broker: { port: values.port, controllerPort: values['controller-port'] }, log: say, alarm: (line) => process.stderr.write(`llmd: ERROR ${line}\n`) });
    say(`Kafka ready on ${broker.bootstrap} (pid ${broker.pid})`);
    const shutdown = async () => {
      broker.markStopping();
      say('stopping ...');
      await broker.stop();
      say('stopped');
      process.exit(0);
    };
    process.once('SIGINT', () => void shutdown());
    process.once('SIGTERM', () => void shutdown());
    return -1; // keeps running until Ctrl-C
  },
);

const topics = command(
  defineCommand({ name: 'llmd kafka topics', summary: 'llmd\'s topics with their partition and record counts', flags: { bootstrap } }),
  async ({ values }) => {
    const admin = new Kafka({ clientId: 'llmd-cli', brokers: [values.bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const meta = await admin.fetchTopicMetadata();
      for (const t of meta.topics.filter((x) => !x.name.startsWith('__')).sort((a, b) => a.name.localeCompare(b.name))) {
        const offsets = await admin.fetchTopicOffsets(t.name);
        const records = offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0);
        say(`${t.name}\tpartitions=${t.partitions.length}\trecords=${records}`);
      }
    } finally {
      await admin.disconnect();
    }
    return 0;
  },
);

const tail = command(
  defineCommand({
    name: 'llmd kafka tail',
    summary: 'print a topic\'s records as JSON lines, decoded from protobuf',
    positionals: [{ name: 'topic', description: 'one of llmd\'s topics (llmd.kv-events.v1, llmd.endpoint-load.v1, llmd.request-metrics.v1)' }],
    flags: {
      'from-beginning': { type: 'boolean', description: 'start at the oldest record, not the next new one' },
      max: { type: 'integer', min: 1, description: 'stop after this many records' },
      'idle-ms': { type: 'integer', min: 1, valueName: 'MS', description: 'stop after this long without a new record' },
      bootstrap,
    },
  }),
  async ({ values, positionals }) => {
    await tailTopic(values.bootstrap, positionals.topic ?? '', { fromBeginning: values['from-beginning'], max: values.max, idleMs: values['idle-ms'] }, say);
    return 0;
  },
);

export const kafkaGroup: CliGroup = {
  kind: 'group',
  name: 'llmd kafka',
  summary: 'the local Kafka broker and llmd\'s topics',
  childNoun: 'command',
  children: { start: () => start, stop: () => stop, status: () => status, run: () => run, topics: () => topics, tail: () => tail },
};
