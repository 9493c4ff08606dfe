// README's "Deploying on Kubernetes", command by command, on `tools/llmd cluster` (a real etcd,
// kube-apiserver, kube-controller-manager and kube-scheduler, and llmd's node agent running the pods
// as local processes), with the real helm and kubectl: the commands are read from the README itself,
// so the walk-through cannot drift from what is tested. The six releases' pods run, the request is
// answered through the gateway's node port, and the operator's own pod reconciles the example with
// nothing but its chart's RBAC; removing it all leaves the kept CRDs only.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST, freePortRun, REPO_ROOT } from '@llmd/cli';
import { helm, helmEnv } from '../support/helm';

const BIN = join(REPO_ROOT, '.llmd', 'k8s', 'bin');
const NS = 'llmd';

/** The shell commands of a README section, in order: comments dropped, continuation lines joined. */
export function sectionCommands(readme: string, heading: string): string[] {
  const start = readme.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README has no "${heading}" section`);
  const end = readme.indexOf('\n## ', start + heading.length + 2);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const commands: string[] = [];
  for (const block of section.matchAll(/```sh\n([\s\S]*?)```/g)) {
    const text = block[1].replace(/\\\n\s*/g, '');
    for (const line of text.split('\n')) if (line.trim() && !line.trim().startsWith('#')) commands.push(line.trim());
  }
  return commands;
}

interface Run {
  code: number;
  out: string;
}

/** `VAR=value` lines, kept and put before every later command, as one shell session would. */
const ASSIGNMENT = /^([A-Z_][A-Z0-9_]*)=/;

describe('README "Deploying on Kubernetes", every command on tools/llmd cluster', () => {
  let dir: string;
  let kubeconfig: string;
  const commands = sectionCommands(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8'), '## Deploying on Kubernetes');
  const cli = (...args: string[]) => sh(`${process.execPath} ${join(DIST, 'tools/cli/src/main.js')} ${args.join(' ')}`);

  /** One command through bash, as a user types it: helm and kubectl of .llmd/k8s/bin, the test's cluster only. */
  function sh(command: string): Promise<Run> {
    return new Promise((resolve, reject) => {
      const env = { ...helmEnv(kubeconfig), PATH: `${BIN}:${process.env.PATH}` };
      const child = spawn('bash', ['-c', command], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => out.push(b));
      child.once('error', reject);
      child.once('close', (code) => resolve({ code: code ?? 1, out: Buffer.concat(out).toString() }));
    });
  }

  const kubectlJson = async (args: string) => JSON.parse((await sh(`kubectl ${args} -o json`)).out) as { items: { metadata: { name: string } }[] };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'llmd-walkthrough-'));
    kubeconfig = join(dir, 'cluster', 'kubeconfig');
    const port = await freePortRun(5);
    // The suite's broker stands for the cluster's Kafka (the pods reach it as llmd-kafka-bootstrap:9092).
    const up = await cli('cluster', 'up', '--nodes', '1', '--dir', join(dir, 'cluster'), '--port', String(port), '--kafka', process.env.LLMD_E2E_KAFKA ?? '');
    if (up.code !== 0) throw new Error(`cluster up failed:\n${up.out}`);
  }, 180000);

  afterAll(async () => {
    if (dir) await cli('cluster', 'down', '--purge', '--dir', join(dir, 'cluster'));
    rmSync(dir, { recursive: true, force: true });
  }, 120000);

  it('reads the walk-through from the README', () => {
    expect(commands.length).toBeGreaterThan(15);
    expect(commands.filter((c) => /^curl /.test(c))).toHaveLength(1);
  });

  it('runs every command, in order: CRDs, six releases running, a request answered, the operator reconciling the simulated example, and removing it all', async () => {
    const session: string[] = [];
    for (const command of commands) {
      const run = await sh([...session, command].join('\n'));
      if (run.code !== 0) throw new Error(`\`${command}\` exited ${run.code}:\n${run.out}\n(cluster logs in ${join(dir, 'cluster')})`);
      const assignment = ASSIGNMENT.exec(command);
      if (assignment) {
        const value = (await sh([...session, command, `printf %s "$${assignment[1]}"`].join('\n'))).out;
        expect(value).not.toBe('');
        session.push(`${assignment[1]}='${value}'`);
      }
      if (/^kubectl -n llmd get deployments,services$/.test(command)) {
        for (const name of ['operator', 'cache-manager', 'scheduler', 'gateway', 'autoscaler', 'llama-vllm-sim']) expect(run.out).toMatch(new RegExp(`deployment\\.apps/${name}\\s+(\\d+)/\\1\\s`));
      }
      if (/^curl /.test(command)) {
        const answer = JSON.parse(run.out) as { choices: { message: { content: string } }[]; usage: { completion_tokens: number } };
        expect(answer.choices[0].message.content.length).toBeGreaterThan(0);
        expect(answer.usage.completion_tokens).toBe(16);
      }
      if (/^kubectl -n llmd get llmdeploy,servingpools$/.test(command)) {
        expect(run.out).toMatch(/llmdeployment\.llm-d\.io\/llama-simulated\s+meta-llama\/Llama-3\.1-8B-Instruct\s+unified\s+True/);
        expect(run.out).toMatch(/servingpool\.llm-d\.io\/llama-simulated\s+llama-simulated\s+unified\s+2\s+2\s/);
      }
    }
  }, 600000);

  it('left nothing behind but the CRDs, which the chart keeps on purpose, and no pod process', async () => {
    expect((await sh(`kubectl get namespace ${NS}`)).code).not.toBe(0);
    expect((await kubectlJson('get clusterroles -l app.kubernetes.io/part-of=llmd')).items).toEqual([]);
    expect((await kubectlJson('get clusterrolebindings -l app.kubernetes.io/part-of=llmd')).items).toEqual([]);
    expect((await helm(['list', '--all-namespaces', '--short'], { kubeconfig })).stdout.trim()).toBe('');
    expect((await kubectlJson('get crd -l app.kubernetes.io/part-of=llmd')).items.map((c) => c.metadata.name).sort()).toEqual(
      ['cachepolicies.llm-d.io', 'inferencegateways.llm-d.io', 'llmdeployments.llm-d.io', 'schedulingpolicies.llm-d.io', 'servingpools.llm-d.io'],
    );
    const pods = join(dir, 'cluster', 'nodes', 'llmd-node-1', 'pods');
    expect(existsSync(pods) ? readdirSync(pods) : []).toEqual([]);
  });

  it.each([
    ['gateway', ['--set', 'replicaCount=-1'], /\/replicaCount/],
    ['scheduler', ['--set', 'config.grpc.port=grpc'], /config\/grpc\/port/],
    ['cache-manager', ['--set', 'config.kubernetes.kvEventsPorts=5557'], /config\/kubernetes.*kvEventsPorts/],
    ['autoscaler', ['--set', 'config.actuator=kubectl'], /config\/actuator/],
    ['operator', ['--set', 'config.concurrency=0'], /config\/concurrency/],
    ['vllm-sim', ['--set', 'config.block-size=12'], /config\/block-size/],
  ])("the %s chart's values.schema.json refuses a bad value, by name", async (chart, args, field) => {
    const r = await helm(['install', `bad-${chart}`, join(REPO_ROOT, 'deploy', 'helm', chart), '--namespace', 'bad', '--create-namespace', ...args], { kubeconfig });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/values don't meet the specifications of the schema/);
    expect(r.stderr).toMatch(field);
    expect((await sh(`kubectl -n bad get configmap bad-${chart}-config`)).code).not.toBe(0);
  });
});
