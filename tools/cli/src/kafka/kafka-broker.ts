// A real single-node Apache Kafka broker in KRaft mode: jars fetched through Maven into a git-ignored
// cache, storage formatted once, the JVM started detached with a pid file, readiness awaited.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { REPO_ROOT, STATE_DIR } from '../paths';

export const KAFKA_VERSION = '4.1.1';

/** Partitions of the broker's consumer-offsets topic: each is the coordinator of the groups that hash to it. */
export const OFFSETS_PARTITIONS = 3;

export interface BrokerOptions {
  /** @default 9092 */
  port?: number;
  /** KRaft controller port. @default port + 1 */
  controllerPort?: number;
  /** Data, config, log and pid files. @default .llmd/kafka/<port> */
  dir?: string;
  /** JVM heap. @default '512m' */
  heap?: string;
}

export interface BrokerHandle {
  bootstrap: string;
  dir: string;
  pid: number;
}

export function libDir(): string {
  return join(STATE_DIR, 'cache', `kafka-${KAFKA_VERSION}`, 'libs');
}

/** Fetches the broker's jars through Maven once; returns how long it took (0 when cached). */
export function ensureKafkaJars(log: (line: string) => void = () => undefined): number {
  const dir = libDir();
  if (existsSync(join(dir, '.complete'))) return 0;
  const started = Date.now();
  log(`fetching Apache Kafka ${KAFKA_VERSION} through Maven into ${dir} ...`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  try {
    // Output is shown only when Maven fails (its quiet mode still prints colour codes).
    execFileSync('mvn', ['-q', '-B', '-f', join(REPO_ROOT, 'tools/kafka/pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${dir}`, '-DincludeScope=runtime', `-Dkafka.version=${KAFKA_VERSION}`], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (err) {
    const e = err as { message: string; stdout?: string; stderr?: string };
    throw new Error(`could not fetch the Kafka jars with Maven (is mvn on PATH?): ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
  if (!readdirSync(dir).some((f) => f.startsWith('kafka_2.13-'))) throw new Error(`Maven finished but ${dir} has no kafka_2.13 jar`);
  writeFileSync(join(dir, '.complete'), KAFKA_VERSION);
  const ms = Date.now() - started;
  log(`fetched Kafka jars in ${(ms / 1000).toFixed(1)} s`);
  return ms;
}

export function brokerDir(options: BrokerOptions): string {
  return options.dir ?? join(STATE_DIR, 'kafka', String(options.port ?? 9092));
}

/** Written before a broker is sent SIGTERM, removed once it has exited: a stopping broker is not a running one. */
const STOPPING = 'broker.stopping';

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: alive, another user's.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Resolves true once `pid` has exited, false if it is still alive after `timeoutMs`. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

function javaArgs(dir: string, heap: string, mainClass: string, args: string[]): string[] {
  return [`-Xms128m`, `-Xmx${heap}`, '-XX:+UseG1GC', '-Djava.awt.headless=true', `-Dlog4j2.configurationFile=${join(REPO_ROOT, 'tools/kafka/log4j2.properties')}`, `-Dkafka.logs.dir=${join(dir, 'logs')}`, '-cp', `${libDir()}/*`, mainClass, ...args];
}

function writeServerProperties(dir: string, port: number, controllerPort: number): string {
  const file = join(dir, 'server.properties');
  writeFileSync(
    file,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      'inter.broker.listener.name=PLAINTEXT',
      `log.dirs=${join(dir, 'data')}`,
      'num.partitions=3',
      'auto.create.topics.enable=true',
      'offsets.topic.replication.factor=1',
      `offsets.topic.num.partitions=${OFFSETS_PARTITIONS}`,
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'share.coordinator.state.topic.replication.factor=1',
      'share.coordinator.state.topic.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      'log.retention.hours=168',
      '',
    ].join('\n'),
  );
  return file;
}

/** The pid of the broker running from `dir`, if one is alive. */
export function readBrokerPid(dir: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(join(dir, 'broker.pid'), 'utf8'));
  } catch {
    return undefined;
  }
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
}

/** Whether the broker in `dir` has been asked to stop and has not exited yet. */
export function brokerStopping(dir: string): boolean {
  return existsSync(join(dir, STOPPING)) && readBrokerPid(dir) !== undefined;
}

/** Starts the broker unless one is already running from the same folder; waits until it answers. */
export async function startBroker(options: BrokerOptions = {}, log: (line: string) => void = () => undefined): Promise<BrokerHandle> {
  const port = options.port ?? 9092;
  const controllerPort = options.controllerPort ?? port + 1;
  const dir = brokerDir(options);
  const bootstrap = `127.0.0.1:${port}`;
  const running = readBrokerPid(dir);
  if (running && existsSync(join(dir, STOPPING))) {
    // A broker on its way out answers for a few more seconds: taking it for a running one leaves the
    // caller without Kafka once it exits. Wait for it to go, then start a fresh one.
    log(`Kafka (pid ${running}) is stopping; waiting for it to exit before starting a new one ...`);
    if (!(await waitForExit(running, 60000))) throw new Error(`the stopping Kafka broker (pid ${running}) did not exit within 60 s`);
  } else if (running) {
    await waitForBroker(bootstrap, 60000, () => readBrokerPid(dir) !== undefined);
    return { bootstrap, dir, pid: running };
  }
  rmSync(join(dir, STOPPING), { force: true });
  ensureKafkaJars(log);
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const config = writeServerProperties(dir, port, controllerPort);
  if (!existsSync(join(dir, 'data', 'meta.properties'))) {
    execFileSync('java', javaArgs(dir, '256m', 'kafka.tools.StorageTool', ['format', '-t', randomUUID().replace(/-/g, '').slice(0, 22), '-c', config, '--ignore-formatted']), { stdio: 'ignore' });
  }
  const out = openSync(join(dir, 'broker.log'), 'a');
  const child: ChildProcess = spawn('java', javaArgs(dir, options.heap ?? '512m', 'kafka.Kafka', [config]), { detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  child.unref();
  writeFileSync(join(dir, 'broker.pid'), String(child.pid));
  log(`Kafka ${KAFKA_VERSION} starting on ${bootstrap} (pid ${child.pid}, log ${join(dir, 'broker.log')})`);
  try {
    await waitForBroker(bootstrap, 90000, () => readBrokerPid(dir) !== undefined);
  } catch (err) {
    await stopBroker({ ...options, dir });
    throw err;
  }
  return { bootstrap, dir, pid: child.pid ?? -1 };
}

/** Waits until the broker answers a metadata request. */
export async function waitForBroker(bootstrap: string, timeoutMs: number, alive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const kafka = new Kafka({ clientId: 'llmd-cli', brokers: [bootstrap], connectionTimeout: 1000, retry: { retries: 0 }, logLevel: logLevel.NOTHING });
  let last = '';
  while (Date.now() < deadline) {
    if (!alive()) throw new Error(`the Kafka broker exited during start (see its broker.log)`);
    const admin = kafka.admin();
    try {
      await admin.connect();
      await admin.describeCluster();
      return;
    } catch (err) {
      last = (err as Error).message;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`Kafka at ${bootstrap} did not answer within ${timeoutMs} ms: ${last}`);
}

/** Stops the broker started from the folder (SIGTERM, then SIGKILL after 20 s). */
export async function stopBroker(options: BrokerOptions = {}): Promise<boolean> {
  const dir = brokerDir(options);
  const pid = readBrokerPid(dir);
  if (!pid) {
    rmSync(join(dir, STOPPING), { force: true });
    return false;
  }
  writeFileSync(join(dir, STOPPING), String(pid));
  process.kill(pid, 'SIGTERM');
  if (!(await waitForExit(pid, 20000))) {
    process.kill(pid, 'SIGKILL');
    await waitForExit(pid, 5000);
  }
  rmSync(join(dir, 'broker.pid'), { force: true });
  rmSync(join(dir, STOPPING), { force: true });
  return true;
}

export function brokerStatus(options: BrokerOptions = {}): { running: boolean; pid?: number; dir: string } {
  const dir = brokerDir(options);
  const pid = readBrokerPid(dir);
  return { running: pid !== undefined, pid, dir };
}
