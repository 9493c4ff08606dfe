// llmd's Kafka TLS and SASL against a real broker with secured listeners (its own, started here):
// clients made by createKafkaClient from a config produce and consume over SCRAM and PLAIN, over TLS
// and plaintext, and over mutual TLS; a wrong password and an unknown CA are refused with clear
// errors; the cache-manager becomes ready over SASL/TLS and says so in its startup log; the whole
// stack runs against a broker that requires SASL over TLS: answers, request records and KV events.
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
import { requestMetricsCodec } from '@llmd/telemetry';
import type { LocalStack } from '@llmd/cli';
import { E2E_MODEL, startTestStack } from '../support/test-stack';
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

describe('the whole stack against a broker that requires SASL (SCRAM-SHA-512) over TLS', () => {
  let stack: LocalStack | undefined;
  afterAll(async () => {
    await stack?.stop();
  }, 60000);

  it('answers through the gateway; its request records and the pods\' KV events travel over SASL/TLS', async () => {
    await ensureTopics(broker.plaintext);
    const passwordFile = secretFile('stack-password', broker.scram.password);
    stack = await startTestStack(2, {
      kafkaBootstrap: broker.saslSsl,
      env: { LLMD_KAFKA_TLS_ENABLED: 'true', LLMD_KAFKA_TLS_CA_FILE: broker.caFile, LLMD_KAFKA_SASL_MECHANISM: 'scram-sha-512', LLMD_KAFKA_SASL_USERNAME: broker.scram.username, LLMD_KAFKA_SASL_PASSWORD_FILE: passwordFile },
    });
    const res = await fetch(`${stack.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: E2E_MODEL, stream: true, max_tokens: 8, messages: [{ role: 'user', content: 'over SASL and TLS, '.repeat(40) }] }),
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('data: [DONE]');
    // The gateway's request record, read back over SASL/TLS (the broker is this file's: only this stack writes).
    const consumer = client({ brokers: [broker.saslSsl], tls: { enabled: true, caFile: broker.caFile }, sasl: { mechanism: 'scram-sha-512', username: broker.scram.username, passwordFile } }).consumer({ groupId: `llmd-e2e-security-${randomUUID()}` });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: requestMetricsCodec.topic, fromBeginning: true });
      const record = await new Promise<{ model: string }>((resolve) => {
        void consumer.run({
          eachMessage: async ({ message }) => {
            if (message.value) resolve(requestMetricsCodec.decode(message.value));
          },
        });
      });
      expect(record.model).toBe(E2E_MODEL);
    } finally {
      await consumer.disconnect();
    }
    // cache-manager indexed the pods' KV events, which reach it through the same broker.
    const ops = stack.options.ports.cacheManagerOps;
    const indexed = async () => {
      const text = await (await fetch(`http://127.0.0.1:${ops}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith('llmd_cache_manager_index_size_blocks'));
      return Number(line?.slice(line.lastIndexOf(' ') + 1) ?? 0);
    };
    await until(async () => (await indexed()) > 0, 30000);
    // No service logged the password.
    for (const lines of stack.logs.values()) expect(lines.join('\n')).not.toContain(broker.scram.password);
  }, 180000);
});
