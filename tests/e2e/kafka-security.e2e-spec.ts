// llmd's Kafka TLS and SASL against a real broker with secured listeners (its own, started here):
// clients made by createKafkaClient from a config produce and consume over SCRAM and PLAIN, over TLS
// and plaintext, and over mutual TLS; a wrong password and an unknown CA are refused with clear
// errors; the cache-manager becomes ready over SASL/TLS and says so in its startup log.
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';
import { DIST, ensureTopics, freePorts, nodeFlagsFor } from '@llmd/cli';
import { createKafkaClient, kafkaSchema } from '@llmd/platform';
import { SecureBroker, startSecureBroker } from '../support/secure-kafka-broker';
import { until } from '../support/until';

let broker: SecureBroker;
let secrets: string;

/** A file in a folder standing for a mounted Secret. */
function secretFile(name: string, text: string): string {
  const path = join(secrets, name);
  writeFileSync(path, text);
  return path;
}

function client(config: Record<string, unknown>): Kafka {
  const kafka = kafkaSchema.parse(config);
  return createKafkaClient({ clientId: 'llmd-e2e-security', brokers: kafka.brokers, tls: kafka.tls, sasl: kafka.sasl, logger: pino({ level: 'silent' }) });
}

async function createTopic(topic: string): Promise<void> {
  const admin = new Kafka({ clientId: 'llmd-e2e-setup', brokers: [broker.plaintext], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
  await admin.disconnect();
}

/** Produces one record and consumes it back through the same client. */
async function roundTrip(kafka: Kafka): Promise<string> {
  const topic = `llmd-e2e-security-${randomUUID()}`;
  await createTopic(topic);
  const value = randomUUID();
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: [{ value }] });
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: `llmd-e2e-security-${randomUUID()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    return await new Promise<string>((resolve) => void consumer.run({ eachMessage: async ({ message }) => resolve(message.value?.toString() ?? '') }));
  } finally {
    await consumer.disconnect();
  }
}

beforeAll(async () => {
  broker = await startSecureBroker();
  secrets = mkdtempSync(join(tmpdir(), 'llmd-e2e-kafka-secrets-'));
}, 180000);

afterAll(async () => {
  await broker?.stop();
});

describe('Kafka TLS and SASL (real broker, secured listeners)', () => {
  it.each([
    ['SCRAM-SHA-512 over TLS', () => ({ brokers: [broker.saslSsl], tls: { enabled: true, caFile: broker.caFile }, sasl: { mechanism: 'scram-sha-512', username: broker.scram.username, passwordFile: secretFile('scram-password', broker.scram.password) } })],
    ['SCRAM-SHA-256 over plaintext', () => ({ brokers: [broker.saslPlaintext], sasl: { mechanism: 'scram-sha-256', username: broker.scram.username, password: broker.scram.password } })],
    ['PLAIN over TLS', () => ({ brokers: [broker.saslSsl], tls: { enabled: true, caFile: broker.caFile }, sasl: { mechanism: 'plain', username: broker.plain.username, passwordFile: secretFile('plain-password', `${broker.plain.password}\n`) } })],
    ['mutual TLS', () => ({ brokers: [broker.mutualTls], tls: { enabled: true, caFile: broker.caFile, certFile: broker.clientCertFile, keyFile: broker.clientKeyFile } })],
  ])('%s: a record produced is consumed back', async (_name, config) => {
    await expect(roundTrip(client(config()))).resolves.toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each([
    ['a wrong SCRAM password', () => ({ brokers: [broker.saslSsl], tls: { enabled: true, caFile: broker.caFile }, sasl: { mechanism: 'scram-sha-512', username: broker.scram.username, password: 'wrong' } }), /SASL SCRAM SHA512 authentication failed/],
    ['a wrong PLAIN password', () => ({ brokers: [broker.saslPlaintext], sasl: { mechanism: 'plain', username: broker.plain.username, password: 'wrong' } }), /SASL PLAIN authentication failed/],
    ["a broker certificate Node's CAs do not vouch for", () => ({ brokers: [broker.saslSsl], tls: { enabled: true }, sasl: { mechanism: 'scram-sha-512', username: broker.scram.username, password: broker.scram.password } }), /self-signed certificate in certificate chain/],
    ['no SASL on a SASL listener (the broker closes the connection)', () => ({ brokers: [broker.saslPlaintext] }), /Closed connection/],
    ['no client certificate on the mutual-TLS listener', () => ({ brokers: [broker.mutualTls], tls: { enabled: true, caFile: broker.caFile } }), /alert bad certificate/],
  ])('%s is refused with a clear error', async (_name, config, message) => {
    const admin = client(config()).admin();
    try {
      await expect(admin.connect().then(() => admin.listTopics())).rejects.toThrow(message);
    } finally {
      await admin.disconnect();
    }
  });
});

describe('cache-manager over SASL (SCRAM-SHA-512) and TLS', () => {
  const started: ChildProcess[] = [];
  afterAll(() => started.forEach((c) => c.exitCode === null && c.kill('SIGKILL')));

  async function startCacheManager(env: Record<string, string>): Promise<{ child: ChildProcess; logs: string[]; opsPort: number; exited: Promise<number | null> }> {
    const [grpcPort, opsPort] = await freePorts(2);
    const child = spawn(process.execPath, [...nodeFlagsFor('cache-manager'), join(DIST, 'apps', 'cache-manager', 'src', 'main.js')], {
      env: {
        ...process.env,
        LLMD_CACHE_MANAGER_GRPC_PORT: String(grpcPort),
        LLMD_CACHE_MANAGER_OPS_PORT: String(opsPort),
        LLMD_CACHE_MANAGER_PODS: '[]',
        LLMD_KAFKA_BROKERS: broker.saslSsl,
        LLMD_KAFKA_TLS_ENABLED: 'true',
        LLMD_KAFKA_TLS_CA_FILE: broker.caFile,
        LLMD_KAFKA_SASL_MECHANISM: 'scram-sha-512',
        LLMD_KAFKA_SASL_USERNAME: broker.scram.username,
        OTEL_SDK_DISABLED: 'true',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.push(child);
    const logs: string[] = [];
    for (const stream of [child.stdout, child.stderr]) if (stream) createInterface({ input: stream }).on('line', (l) => logs.push(l));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return { child, logs, opsPort, exited };
  }

  it('becomes ready (index rebuilt from its topic, producer connected) and logs the security, never the password', async () => {
    await ensureTopics(broker.plaintext);
    const cm = await startCacheManager({ LLMD_KAFKA_SASL_PASSWORD_FILE: secretFile('cm-password', broker.scram.password) });
    const ready = () => fetch(`http://127.0.0.1:${cm.opsPort}/readyz`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok).catch(() => false);
    await until(async () => cm.child.exitCode !== null || (await ready()), 60000).catch(() => undefined);
    expect({ exitCode: cm.child.exitCode, ready: await ready() }).toEqual({ exitCode: null, ready: true });
    const line = cm.logs.find((l) => l.includes('"msg":"kafka client"'));
    expect(JSON.parse(line ?? '{}')).toMatchObject({ security: 'SASL scram-sha-512 over TLS', user: broker.scram.username, brokers: [broker.saslSsl] });
    expect(cm.logs.join('\n')).not.toContain(broker.scram.password);
    cm.child.kill('SIGTERM');
    await expect(cm.exited).resolves.toBe(0);
  });

  it('with an unreadable password file, exits at start naming kafka.sasl.passwordFile', async () => {
    const cm = await startCacheManager({ LLMD_KAFKA_SASL_PASSWORD_FILE: join(secrets, 'no-such-password') });
    await expect(cm.exited).resolves.toBe(1);
    expect(cm.logs.join('\n')).toMatch(/invalid config: kafka\.sasl\.passwordFile: cannot read .*no-such-password/);
  });
});
