// A real Kafka broker (KRaft) with secured listeners, for the test of llmd's Kafka TLS and SASL:
// SASL_SSL and SASL_PLAINTEXT (SCRAM-SHA-512, SCRAM-SHA-256, PLAIN) and SSL with client certificates
// required. Certificates are made at test time with openssl; SCRAM users are created when the
// storage is formatted. Its own folder and ports: the suite's shared broker is not touched.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureKafkaJars, freePorts, isAlive, libDir, REPO_ROOT, waitForBroker, waitForExit } from '@llmd/cli';

export interface Credentials {
  username: string;
  password: string;
}

export interface SecureBroker {
  dir: string;
  /** Unauthenticated listener the broker talks to itself on; tests use it only to create topics. */
  plaintext: string;
  saslSsl: string;
  saslPlaintext: string;
  /** SSL with a client certificate required (mutual TLS). */
  mutualTls: string;
  /** The CA that signed the broker's and the client's certificates. */
  caFile: string;
  clientCertFile: string;
  clientKeyFile: string;
  /** A SCRAM user (SHA-512 and SHA-256 credentials). */
  scram: Credentials;
  /** A PLAIN user. */
  plain: Credentials;
  stop(): Promise<void>;
}

const KEYSTORE_PASSWORD = 'llmd-test';

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A CA, and a broker (127.0.0.1/localhost) and a client certificate it signed. */
function makeCertificates(dir: string): void {
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=llmd-test-ca', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  const sign = (name: string, cn: string, ext: string) => {
    writeFileSync(join(dir, `${name}.ext`), `${ext}\n`);
    openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
    openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`]);
  };
  sign('broker', 'localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth');
  sign('client', 'llmd-client', 'extendedKeyUsage=clientAuth');
  openssl(dir, ['pkcs12', '-export', '-in', 'broker.crt', '-inkey', 'broker.key', '-certfile', 'ca.crt', '-name', 'broker', '-out', 'broker.p12', '-passout', `pass:${KEYSTORE_PASSWORD}`]);
}

function javaArgs(dir: string, heap: string, mainClass: string, args: string[]): string[] {
  return [`-Xms64m`, `-Xmx${heap}`, '-XX:+UseSerialGC', '-Djava.awt.headless=true', `-Dlog4j2.configurationFile=${join(REPO_ROOT, 'tools/kafka/log4j2.properties')}`, `-Dkafka.logs.dir=${join(dir, 'logs')}`, '-cp', `${libDir()}/*`, mainClass, ...args];
}

export async function startSecureBroker(): Promise<SecureBroker> {
  ensureKafkaJars();
  const dir = mkdtempSync(join(tmpdir(), 'llmd-e2e-kafka-secure-'));
  makeCertificates(dir);
  const [plain, saslSsl, saslPlain, ssl, controller] = await freePorts(5);
  const scram = { username: 'llmd', password: `scram-${randomUUID()}` };
  const plainUser = { username: 'llmd-plain', password: `plain-${randomUUID()}` };
  const listeners = { PLAINTEXT: plain, SASL_SSL: saslSsl, SASL_PLAINTEXT: saslPlain, SSL: ssl };
  const jaas = (listener: string) => [
    `listener.name.${listener}.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_${plainUser.username}="${plainUser.password}";`,
    `listener.name.${listener}.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;`,
    `listener.name.${listener}.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;`,
  ];
  const config = join(dir, 'server.properties');
  writeFileSync(
    config,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controller}`,
      `listeners=${Object.entries(listeners).map(([n, p]) => `${n}://127.0.0.1:${p}`).join(',')},CONTROLLER://127.0.0.1:${controller}`,
      `advertised.listeners=${Object.entries(listeners).map(([n, p]) => `${n}://127.0.0.1:${p}`).join(',')}`,
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL,CONTROLLER:PLAINTEXT',
      'inter.broker.listener.name=PLAINTEXT',
      'sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256,PLAIN',
      ...jaas('sasl_ssl'),
      ...jaas('sasl_plaintext'),
      'ssl.keystore.type=PKCS12',
      `ssl.keystore.location=${join(dir, 'broker.p12')}`,
      `ssl.keystore.password=${KEYSTORE_PASSWORD}`,
      `ssl.key.password=${KEYSTORE_PASSWORD}`,
      'ssl.truststore.type=PEM',
      `ssl.truststore.location=${join(dir, 'ca.crt')}`,
      'listener.name.ssl.ssl.client.auth=required',
      `log.dirs=${join(dir, 'data')}`,
      'num.partitions=1',
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'share.coordinator.state.topic.replication.factor=1',
      'share.coordinator.state.topic.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      '',
    ].join('\n'),
  );
  const clusterId = randomUUID().replace(/-/g, '').slice(0, 22);
  const users = ['SCRAM-SHA-512', 'SCRAM-SHA-256'].flatMap((m) => ['--add-scram', `${m}=[name=${scram.username},password=${scram.password}]`]);
  execFileSync('java', javaArgs(dir, '256m', 'kafka.tools.StorageTool', ['format', '-t', clusterId, '-c', config, ...users]), { stdio: ['ignore', 'ignore', 'pipe'] });
  const out = openSync(join(dir, 'broker.log'), 'a');
  const child: ChildProcess = spawn('java', javaArgs(dir, '384m', 'kafka.Kafka', [config]), { detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  child.unref();
  const pid = child.pid ?? -1;
  const stop = async () => {
    if (isAlive(pid)) {
      process.kill(pid, 'SIGTERM');
      if (!(await waitForExit(pid, 20000))) {
        process.kill(pid, 'SIGKILL');
        await waitForExit(pid, 5000);
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const bootstrap = (port: number) => `127.0.0.1:${port}`;
  try {
    await waitForBroker(bootstrap(plain), 90000, () => isAlive(pid));
  } catch (err) {
    const log = readFileSync(join(dir, 'broker.log'), 'utf8').split('\n').slice(-20).join('\n');
    await stop();
    throw new Error(`${(err as Error).message}\n${log}`);
  }
  return {
    dir,
    plaintext: bootstrap(plain),
    saslSsl: bootstrap(saslSsl),
    saslPlaintext: bootstrap(saslPlain),
    mutualTls: bootstrap(ssl),
    caFile: join(dir, 'ca.crt'),
    clientCertFile: join(dir, 'client.crt'),
    clientKeyFile: join(dir, 'client.key'),
    scram,
    plain: plainUser,
    stop,
  };
}
