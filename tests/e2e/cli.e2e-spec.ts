// The CLI a newcomer meets: every command answers --help from its declaration and starts nothing;
// unknown or malformed flags are refused naming them, before anything starts; a Kafka broker that llmd
// runs belongs to one owner at a time, and one that dies under a running stack is announced and replaced.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import type { LocalStack } from '@llmd/cli';
import { requestMetricsCodec } from '@llmd/telemetry';
import { builtCli } from '../support/global-setup';
import { waitForRecord } from '../support/kafka-records';
import { E2E_MODEL, startTestStack } from '../support/test-stack';
import { until } from '../support/until';

const cli = builtCli();
const MAIN = join(cli.DIST, 'tools', 'cli', 'src', 'main.js');

/**
 * Loaded into the CLI with --require: records, and refuses, every attempt to start a process, open
 * a listening port or connect anywhere. A command that only prints help or refuses its flags makes none.
 */
const EFFECTS_HOOK = `
const fs = require('node:fs');
const refuse = (what) => { fs.appendFileSync(process.env.LLMD_TEST_EFFECTS, what + '\\n'); throw new Error('test hook: ' + what + ' refused'); };
const cp = require('node:child_process');
for (const fn of ['spawn', 'fork', 'exec', 'execFile', 'spawnSync', 'execSync', 'execFileSync']) cp[fn] = (cmd) => refuse(fn + ' ' + cmd);
const net = require('node:net');
net.Server.prototype.listen = function () { refuse('listen'); };
net.Socket.prototype.connect = function () { refuse('connect'); };
`;

describe('llmd: help and refused command lines start nothing', () => {
  const work = mkdtempSync(join(tmpdir(), 'llmd-cli-e2e-'));
  const hook = join(work, 'effects-hook.js');
  const state = join(work, 'state');
  const effects = join(work, 'effects.log');
  writeFileSync(hook, EFFECTS_HOOK);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  function llmd(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [MAIN, ...args], { env: { ...process.env, NODE_OPTIONS: `--require ${hook}`, LLMD_STATE_DIR: state, LLMD_TEST_EFFECTS: effects, ...env }, encoding: 'utf8', timeout: 60000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }
  function nothingStarted(): void {
    expect(existsSync(effects) ? readFileSync(effects, 'utf8') : '').toBe('');
    expect(existsSync(state) ? readdirSync(state) : []).toEqual([]);
  }

  const COMMANDS: string[][] = [
    [],
    ['up'],
    ['kafka'],
    ...['start', 'stop', 'status', 'run', 'topics', 'tail'].map((c) => ['kafka', c]),
    ['sim'],
    ['sim', 'serve'],
    ['bench'],
    ...['sim-fidelity', 'throughput-ceiling', 'sim-capacity', 'pick', 'kv-index', 'gateway', 'routing', 'autoscale'].map((b) => ['bench', b]),
    ['images'],
    ['cluster'],
    ...['up', 'down', 'status', 'kubeconfig'].map((c) => ['cluster', c]),
  ];

  it.each(COMMANDS.flatMap((c) => [[[...c, '--help']], [[...c, '-h']]]))('llmd %p prints its usage and flags', (args) => {
    const r = llmd(args);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const name = ['llmd', ...args.slice(0, -1)].join(' ');
    expect(r.stdout).toMatch(new RegExp(`^usage: ${name}[ \n]`));
    expect(r.stdout).toMatch(/--help|<command>|<benchmark>/);
    nothingStarted();
  });

  it.each(COMMANDS.filter((c) => c.length > 0).map((c) => [c]))('llmd %p --no-such-flag is refused, naming it', (command) => {
    const r = llmd([...command, '--no-such-flag']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('--no-such-flag');
    expect(r.stderr).toMatch(new RegExp(`^llmd${command.length > 0 ? ' ' : ''}`));
    nothingStarted();
  });

  it.each<[string[], string]>([
    [['up', '--podz', '2'], 'unknown flag --podz (did you mean --pods?)'],
    [['up', '--pods'], '--pods needs a value'],
    [['up', '--pods', 'four'], '--pods must be an integer from 1 to 64, got "four"'],
    [['up', '--time-scale', '0'], '--time-scale must be a number above 0'],
    [['up', '--gpu-profile', 'h200'], '--gpu-profile must be one of'],
    [['up', '--prefill', '1'], '--prefill and --decode go together'],
    [['up', '--autoscale', '--prefill', '2', '--decode', '2', '--max-pods', '3'], '--max-pods 3 is below the 4 pods the stack starts with'],
    [['up', '--autoscale-policy', 'hpa'], '--autoscale-policy must be one of saturation, slo, predictive'],
    [['kafka', 'tail', 'llmd.kv-events.v1', '--max', 'ten'], '--max must be an integer'],
    [['kafka', 'start', '--port', '99999'], '--port must be an integer from 1 to 65535'],
    [['sim', 'serve'], 'missing <model>'],
    [['bench', 'routing', '--mode', 'dse'], '--mode must be one of des, live, got "dse"'],
    [['bench', 'routing', '--profiles', 'precise'], '--profiles must be a comma-separated list of'],
    [['bench', 'routing', '--rates', '3,x'], '--rates must be a comma-separated list of numbers'],
    [['bench', 'autoscale', '--trace', 'sine'], '--trace must be a comma-separated list of'],
    [['bench', 'autoscale', '--topology', 'split'], '--topology must be one of unified, pd, got "split"'],
    [['bench', 'gateway', '--targets', 'llmd,nginx'], '--targets must be a comma-separated list of'],
    [['bench', 'pick', '--iterations', '1.5'], '--iterations must be an integer'],
    [['bench', 'pick', '--in-process-only', '--grpc-only'], '--in-process-only and --grpc-only exclude each other'],
    [['bench', 'sim-capacity', '--seconds=-1'], '--seconds must be a number above 0'],
    [['bench', 'sim-capacity', '--seconds', '-1'], 'a value starting with "-" is written --seconds=VALUE'],
    [['bench', 'routng'], 'unknown benchmark "routng" (did you mean routing?)'],
    [['upp'], 'unknown command "upp" (did you mean up?)'],
    [['images', '--service', 'gateway,kafka'], '--service must be a comma-separated list of gateway, scheduler, cache-manager, autoscaler, operator, vllm-sim'],
    [['images', '--builder', 'kaniko'], '--builder must be one of docker, podman, buildah'],
    [['images', '--push'], '--push needs --registry'],
  ])('llmd %p is refused: %s', (args, message) => {
    const r = llmd(args);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(message);
    nothingStarted();
  });

  describe('llmd images, with no container builder on PATH', () => {
    // PATH without docker, podman or buildah (node itself is run by its absolute path).
    const noBuilders = { PATH: mkdtempSync(join(tmpdir(), 'llmd-no-builders-')) };
    afterAll(() => rmSync(noBuilders.PATH, { recursive: true, force: true }));
    const version = (JSON.parse(readFileSync(join(cli.REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

    it('--dry-run prints the six build commands, tagged as the charts reference the images, and exits 0', () => {
      const r = llmd(['images', '--dry-run'], noBuilders);
      expect(r.status).toBe(0);
      expect(r.stdout.trimEnd().split('\n')).toEqual(
        ['gateway', 'scheduler', 'cache-manager', 'autoscaler', 'operator', 'vllm-sim'].map((s) => `docker build -f deploy/images/Containerfile --target ${s} --build-arg VERSION=${version} -t llmd-${s}:${version} .`),
      );
      expect(r.stderr).toContain('no container builder on PATH (looked for docker, podman, buildah)');
      nothingStarted();
    });

    it('--dry-run --push with a registry and a tag pushes each image after building it', () => {
      const r = llmd(['images', '--dry-run', '--service', 'scheduler', '--registry', 'registry.example:5000/llmd', '--tag', 'rc1', '--push', '--builder', 'podman'], noBuilders);
      expect(r.status).toBe(0);
      expect(r.stdout.trimEnd().split('\n')).toEqual([
        `podman build -f deploy/images/Containerfile --target scheduler --build-arg VERSION=${version} -t registry.example:5000/llmd/llmd-scheduler:rc1 .`,
        'podman push registry.example:5000/llmd/llmd-scheduler:rc1',
      ]);
      nothingStarted();
    });

    it('without --dry-run exits 1, naming what it looked for and how to install one', () => {
      const r = llmd(['images'], noBuilders);
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain('llmd images: no container builder on PATH (looked for docker, podman, buildah).');
      expect(r.stderr).toMatch(/Install one: Docker Engine .*Podman or Buildah/);
      expect(llmd(['images', '--builder', 'buildah'], noBuilders).stderr).toContain('--builder buildah: buildah is not on PATH');
      nothingStarted();
    });
  });

  it('hands vllm-sim\'s flags to vllm-sim, which refuses an unknown one before it serves or registers', () => {
    const registry = join(state, 'registry');
    const r = spawnSync(process.execPath, [MAIN, 'sim', 'serve', E2E_MODEL, '--port', '1', '--no-such-flag'], { env: { ...process.env, LLMD_STATE_DIR: state }, encoding: 'utf8', timeout: 60000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown flag --no-such-flag');
    expect(existsSync(registry) ? readdirSync(registry) : []).toEqual([]);
  });
});

/** A CLI process whose output (stdout and stderr together) the test waits on. */
class CliProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  output = '';
  constructor(args: string[]) {
    this.child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    for (const s of [this.child.stdout, this.child.stderr]) s?.on('data', (b: Buffer) => (this.output += b.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }
  async waitFor(pattern: RegExp, ms: number): Promise<RegExpMatchArray> {
    let match: RegExpMatchArray | null = null;
    await until(async () => (match = pattern.exec(this.output)) !== null || this.child.exitCode !== null, ms).catch(() => undefined);
    if (!match) throw new Error(`no ${pattern} in the CLI's output:\n${this.output}`);
    return match;
  }
}

describe('llmd kafka run: one owner per broker, supervised', () => {
  let stack: LocalStack | undefined;
  const owners: CliProcess[] = [];
  let dir = '';

  afterAll(async () => {
    await stack?.stop();
    for (const o of owners) {
      if (o.child.exitCode === null) o.child.kill('SIGINT');
      await o.exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60000);

  async function requestReachesKafka(bootstrap: string): Promise<void> {
    const client = new OpenAI({ baseURL: `${stack!.gatewayUrl}/v1`, apiKey: 'unused-locally', maxRetries: 0 });
    const { response } = await client.chat.completions.create({ model: E2E_MODEL, messages: [{ role: 'user', content: 'through Kafka' }], max_tokens: 2 }).withResponse();
    const id = response.headers.get('x-request-id')!;
    const { record } = await waitForRecord(bootstrap, requestMetricsCodec, (r) => r.requestId === id, 60000);
    expect(record.httpStatus).toBe(200);
  }

  const readiness = async (): Promise<{ status: string; checks: Record<string, boolean> }> => {
    const res = await fetch(`http://127.0.0.1:${stack!.options.ports.cacheManagerOps}/readyz`, { signal: AbortSignal.timeout(2000) });
    return (await res.json()) as { status: string; checks: Record<string, boolean> };
  };

  it('a new owner started as the old one stops waits for it and its broker, then keeps its own broker up through a kill', async () => {
    const [port, controllerPort] = await cli.freePorts(2);
    const args = ['kafka', 'run', '--port', String(port), '--controller-port', String(controllerPort)];
    dir = cli.brokerDir({ port });
    const bootstrap = `127.0.0.1:${port}`;

    const first = new CliProcess(args);
    owners.push(first);
    const firstBroker = Number((await first.waitFor(/Kafka ready on \S+ \(pid (\d+)\)/, 150000))[1]);

    // Ctrl-C, and at once a new owner: it must not take the stopping broker for a running one.
    first.child.kill('SIGINT');
    const second = new CliProcess(args);
    owners.push(second);
    await second.waitFor(new RegExp(`waiting for the previous llmd stack \\(pid ${first.child.pid}\\)`), 30000);
    const secondBroker = Number((await second.waitFor(/Kafka ready on \S+ \(pid (\d+)\)/, 150000))[1]);
    expect(await first.exited).toBe(0);
    expect(secondBroker).not.toBe(firstBroker);
    expect(cli.isAlive(firstBroker)).toBe(false);
    expect(cli.isAlive(secondBroker)).toBe(true);
    expect(cli.readOwner(dir)).toEqual({ pid: second.child.pid, brokerPid: secondBroker, stopping: false });

    // The services see the new owner's broker: a request's telemetry record goes through.
    stack = await startTestStack(1, { kafkaBootstrap: bootstrap });
    await requestReachesKafka(bootstrap);

    // The broker dies under the running stack: said loudly, services unready, then a new broker and recovery.
    process.kill(secondBroker, 'SIGKILL');
    await second.waitFor(new RegExp(`ERROR Kafka broker \\(pid ${secondBroker}\\) on ${bootstrap} exited while the stack was running`), 30000);
    await until(async () => (await readiness()).checks['kafka-consumer'] === false, 30000);
    const thirdBroker = Number((await second.waitFor(/Kafka is back on \S+ \(pid (\d+)\)/, 150000))[1]);
    expect(cli.isAlive(thirdBroker)).toBe(true);
    expect(cli.readOwner(dir)?.brokerPid).toBe(thirdBroker);
    await until(async () => (await readiness()).status === 'ready', 90000);
    await requestReachesKafka(bootstrap);
  }, 420000);
});
