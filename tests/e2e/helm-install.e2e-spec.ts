// README's "Deploying on Kubernetes", command by command, against a real kube-apiserver, etcd and
// kube-controller-manager, with the real helm and kubectl: the commands are read from the README
// itself, so the walk-through cannot drift from what is tested. There is no node here, so no pod runs;
// the operator is the one process the walk-through needs running, and the test starts it as its pod
// would start: the chart's rendered config (its ConfigMap) and a token of the chart's ServiceAccount,
// so the chart's RBAC is what lets it reconcile. The port-forward and the request need a running
// gateway pod and are the only commands not run (asserted, so a new one cannot slip by).
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST, freePorts, REPO_ROOT } from '@llmd/cli';
import { helm, helmEnv } from '../support/helm';
import { KubeApiServer, startKubeApiServer, WORKLOAD_CONTROLLERS } from '../support/kube-apiserver';
import { until } from '../support/until';

const BIN = join(REPO_ROOT, '.llmd', 'k8s', 'bin');
const NS = 'llmd';
/** The commands that need a pod running (a node): not run here. */
const NEEDS_A_NODE = /^(kubectl .*port-forward|curl )/;

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

describe('README "Deploying on Kubernetes", every command against a real kube-apiserver', () => {
  let kube: KubeApiServer;
  let dir: string;
  let operator: ChildProcess | undefined;
  const operatorLog: string[] = [];
  const commands = sectionCommands(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8'), '## Deploying on Kubernetes');

  /** One README command through bash, as a user types it: helm and kubectl of .llmd/k8s/bin, the test's cluster only. */
  const sh = (command: string): Promise<Run> =>
    new Promise((resolve, reject) => {
      const env = { ...helmEnv(kube.kubeconfig), PATH: `${BIN}:${process.env.PATH}` };
      const child = spawn('bash', ['-c', command], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => out.push(b));
      child.once('error', reject);
      child.once('close', (code) => resolve({ code: code ?? 1, out: Buffer.concat(out).toString() }));
    });

  const get = (path: string) => kube.request('GET', path);
  const exists = (path: string) => get(path).then(() => true, (err: Error) => (/: 404 /.test(err.message) ? false : Promise.reject(err)));
  const items = async (path: string, selector?: string) =>
    ((await get(selector ? `${path}?labelSelector=${encodeURIComponent(selector)}` : path)) as { items: { metadata: { name: string } }[] }).items.map((o) => o.metadata.name);

  /** The operator as its Deployment's pod would run: its ConfigMap as LLMD_CONFIG, its ServiceAccount's token. */
  async function startOperatorAsItsPod(): Promise<void> {
    const cm = (await get(`/api/v1/namespaces/${NS}/configmaps/operator-config`)) as { data: Record<string, string> };
    const sa = (await kube.request('POST', `/api/v1/namespaces/${NS}/serviceaccounts/operator/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } })) as { status: { token: string } };
    writeFileSync(join(dir, 'operator-config.yaml'), cm.data['config.yaml']);
    writeFileSync(
      join(dir, 'operator-kubeconfig'),
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: kube.url, 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'operator', user: { token: sa.status.token } }],
        contexts: [{ name: 'c', context: { cluster: 'c', user: 'operator', namespace: NS } }],
        'current-context': 'c',
      }),
    );
    const [opsPort] = await freePorts(1);
    operator = spawn(process.execPath, [join(DIST, 'apps', 'operator', 'src', 'main.js')], {
      env: {
        PATH: process.env.PATH,
        OTEL_TRACES_EXPORTER: 'none',
        LLMD_CONFIG: join(dir, 'operator-config.yaml'),
        KUBECONFIG: join(dir, 'operator-kubeconfig'),
        POD_NAMESPACE: NS,
        // The pod's ops port is the config's; here it shares the machine with other tests.
        LLMD_OPERATOR_OPS_HOST: '127.0.0.1',
        LLMD_OPERATOR_OPS_PORT: String(opsPort),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (b: Buffer) => operatorLog.push(b.toString());
    operator.stdout?.on('data', keep);
    operator.stderr?.on('data', keep);
    await until(async () => {
      const res = await fetch(`http://127.0.0.1:${opsPort}/readyz`).catch(() => undefined);
      return res?.status === 200;
    }, 30000).catch(() => {
      throw new Error(`the operator never became ready:\n${operatorLog.join('')}`);
    });
  }

  async function stopOperator(): Promise<void> {
    const child = operator;
    operator = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'llmd-helm-install-'));
    kube = await startKubeApiServer({ controllers: WORKLOAD_CONTROLLERS });
  }, 120000);

  afterAll(async () => {
    await stopOperator();
    await kube?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the walk-through from the README; only the port-forward and the request need a running pod', () => {
    expect(commands.length).toBeGreaterThan(10);
    expect(commands.filter((c) => NEEDS_A_NODE.test(c))).toEqual([expect.stringMatching(/port-forward svc\/gateway 8000:8000 &$/), expect.stringMatching(/^curl .*\/v1\/chat\/completions/)]);
  });

  it('runs every other command, in order: CRDs, the six releases, the operator reconciling the simulated example, and removing it all', async () => {
    for (const command of commands) {
      if (NEEDS_A_NODE.test(command)) continue;
      // The operator's pod goes with its release (first, here: its Lease's Role goes in the same uninstall).
      if (/^helm uninstall -n llmd .*\boperator\b/.test(command)) await stopOperator();
      const run = await sh(command);
      if (run.code !== 0) throw new Error(`\`${command}\` exited ${run.code}:\n${run.out}${operatorLog.length ? `\noperator log:\n${operatorLog.join('')}` : ''}`);

      if (/^helm install operator /.test(command)) await startOperatorAsItsPod();
      if (/^kubectl -n llmd get deployments,services$/.test(command)) {
        for (const name of ['operator', 'cache-manager', 'scheduler', 'gateway', 'autoscaler', 'llama-vllm-sim']) expect(run.out).toContain(`deployment.apps/${name} `);
        for (const name of ['scheduler', 'cache-manager', 'gateway', 'llama-vllm-sim']) expect(run.out).toContain(`service/${name} `);
      }
      if (/apply .*llama-simulated\.yaml$/.test(command)) {
        // The installed operator, with nothing but its chart's RBAC, renders the pool, its Deployment and the model Service.
        await until(async () => (await items(`/apis/llm-d.io/v1alpha1/namespaces/${NS}/servingpools`)).includes('llama-simulated') && (await exists(`/apis/apps/v1/namespaces/${NS}/deployments/llama-simulated`)), 30000).catch(() => {
          throw new Error(`the operator did not reconcile llama-simulated:\n${operatorLog.join('')}`);
        });
        await until(async () => {
          const d = (await get(`/apis/llm-d.io/v1alpha1/namespaces/${NS}/llmdeployments/llama-simulated`)) as { status?: { conditions?: { type: string }[] } };
          return (d.status?.conditions ?? []).some((c) => c.type === 'Progressing');
        }, 30000);
      }
      if (/^kubectl -n llmd get llmdeploy,servingpools$/.test(command)) {
        expect(run.out).toMatch(/llmdeployment\.llm-d\.io\/llama-simulated\s+meta-llama\/Llama-3\.1-8B-Instruct\s+unified/);
        expect(run.out).toMatch(/servingpool\.llm-d\.io\/llama-simulated\s+llama-simulated\s+unified\s+2\s/);
      }
    }
    expect(operatorLog.join('').split('\n').filter((line) => /forbidden/i.test(line))).toEqual([]);
  }, 300000);

  it('left nothing behind but the CRDs, which the chart keeps on purpose', async () => {
    expect(await exists(`/api/v1/namespaces/${NS}`)).toBe(false);
    expect(await items('/apis/rbac.authorization.k8s.io/v1/clusterroles', 'app.kubernetes.io/part-of=llmd')).toEqual([]);
    expect(await items('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', 'app.kubernetes.io/part-of=llmd')).toEqual([]);
    expect((await helm(['list', '--all-namespaces', '--short'], { kubeconfig: kube.kubeconfig })).stdout.trim()).toBe('');
    expect((await items('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', 'app.kubernetes.io/part-of=llmd')).sort()).toEqual(
      ['cachepolicies.llm-d.io', 'inferencegateways.llm-d.io', 'llmdeployments.llm-d.io', 'schedulingpolicies.llm-d.io', 'servingpools.llm-d.io'],
    );
  });

  it.each([
    ['gateway', ['--set', 'replicaCount=-1'], /\/replicaCount/],
    ['scheduler', ['--set', 'config.grpc.port=grpc'], /config\/grpc\/port/],
    ['cache-manager', ['--set', 'config.kubernetes.kvEventsPorts=5557'], /config\/kubernetes.*kvEventsPorts/],
    ['autoscaler', ['--set', 'config.actuator=kubectl'], /config\/actuator/],
    ['operator', ['--set', 'config.concurrency=0'], /config\/concurrency/],
    ['vllm-sim', ['--set', 'config.block-size=12'], /config\/block-size/],
  ])("the %s chart's values.schema.json refuses a bad value, by name", async (chart, args, field) => {
    const r = await helm(['install', `bad-${chart}`, join(REPO_ROOT, 'deploy', 'helm', chart), '--namespace', 'bad', '--create-namespace', ...args], { kubeconfig: kube.kubeconfig });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/values don't meet the specifications of the schema/);
    expect(r.stderr).toMatch(field);
    expect(await exists(`/api/v1/namespaces/bad/configmaps/bad-${chart}-config`)).toBe(false);
  });
});
