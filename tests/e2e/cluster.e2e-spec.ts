// `llmd cluster` through the built CLI, against the real binaries: the control plane comes up on a free
// port with no node, the real kubectl drives it (kube-controller-manager turns a Deployment into a
// ReplicaSet and a Pod, kube-scheduler finds no node for it, a Service gets a ClusterIP on loopback),
// `down` leaves no process behind, a second `up` finds the objects again, `down --purge` removes it all.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtCli } from '../support/global-setup';
import { until } from '../support/until';

const cli = builtCli();
const MAIN = join(cli.DIST, 'tools', 'cli', 'src', 'main.js');
const KUBECTL = join(cli.REPO_ROOT, '.llmd', 'k8s', 'bin', 'kubectl');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI as a user runs it; `up` returns once the cluster is ready, leaving its processes running. */
function llmd(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, 'cluster', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Alive and not a zombie (the cluster's processes outlive the CLI that started them). */
function alive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

function pidsOf(status: string): number[] {
  return [...status.matchAll(/running \(pid (\d+)\)/g)].map((m) => Number(m[1]));
}

describe('llmd cluster: a real control plane on loopback', () => {
  const work = mkdtempSync(join(tmpdir(), 'llmd-cluster-e2e-'));
  const dir = join(work, 'cluster');
  const kubeCache = join(work, 'kube-cache');
  let port: number;
  let pids: number[] = [];

  function kubectl(...args: string[]): string {
    const r = spawnSync(KUBECTL, ['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', kubeCache, ...args], { encoding: 'utf8', timeout: 30000, env: { PATH: process.env.PATH, HOME: work } });
    if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
    return r.stdout;
  }
  const kubectlJson = <T>(...args: string[]) => JSON.parse(kubectl(...args, '-o', 'json')) as T;
  type Pod = { metadata: { name: string }; spec: { nodeName?: string; serviceAccountName?: string }; status: { phase: string; conditions?: { type: string; status: string; reason?: string }[] } };

  beforeAll(async () => {
    port = await cli.freePortRun(5);
  });

  afterAll(async () => {
    // Whatever a failed test left running is stopped by the CLI itself, by its records.
    if (existsSync(dir)) await llmd(['down', '--dir', dir, '--purge']);
    for (const pid of pids.filter(alive)) process.kill(pid, 'SIGKILL');
    rmSync(work, { recursive: true, force: true });
  });

  it('comes up with no node, every process running, /readyz ok, and says where its kubeconfig is', async () => {
    const up = await llmd(['up', '--nodes', '0', '--dir', dir, '--port', String(port)]);
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    expect(up.stdout).toMatch(new RegExp(`cluster ready in [\\d.]+ s: API https://127\\.0\\.0\\.1:${port}, 0 node agents\\nexport KUBECONFIG=${join(dir, 'kubeconfig')}\\n$`));
    const status = await llmd(['status', '--dir', dir]);
    expect(status.code).toBe(0);
    for (const name of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler']) expect(status.stdout).toMatch(new RegExp(`\\n  ${name} +running \\(pid \\d+\\)`));
    expect(status.stdout).toMatch(/kube-apiserver +running \(pid \d+\), \/readyz ok/);
    expect(status.stdout).toContain('nodes: none');
    pids = pidsOf(status.stdout);
    expect(pids).toHaveLength(4);
    expect(await llmd(['kubeconfig', '--dir', dir])).toEqual({ code: 0, stdout: `${join(dir, 'kubeconfig')}\n`, stderr: '' });
  });

  it('is a cluster: the default ServiceAccount, a Deployment made into a ReplicaSet and a Pod left Pending for want of a node', async () => {
    expect(kubectl('get', 'serviceaccount', 'default', '-o', 'name').trim()).toBe('serviceaccount/default');
    kubectl('create', 'deployment', 'web', '--image=llmd-vllm-sim:0.1.0', '--port=8000');
    let pod: Pod | undefined;
    await until(async () => {
      pod = kubectlJson<{ items: Pod[] }>('get', 'pods', '-l', 'app=web').items[0];
      return pod?.status.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable') ?? false;
    }, 60000);
    const rs = kubectlJson<{ items: { metadata: { ownerReferences: { kind: string; name: string }[] } }[] }>('get', 'replicasets', '-l', 'app=web').items;
    expect(rs.map((r) => r.metadata.ownerReferences.map((o) => `${o.kind}/${o.name}`))).toEqual([['Deployment/web']]);
    expect(pod?.status.phase).toBe('Pending');
    expect(pod?.spec.nodeName).toBeUndefined();
    // The ServiceAccount admission plugin is on: the pod runs as the default account.
    expect(pod?.spec.serviceAccountName).toBe('default');
    await until(async () => kubectlJson<{ items: { reason: string; message: string }[] }>('get', 'events', '--field-selector', `involvedObject.name=${pod?.metadata.name}`).items.some((e) => e.reason === 'FailedScheduling' && /no nodes available/.test(e.message)), 30000);
  });

  it('allocates Services their ClusterIPs on loopback, 127.96.0.0/16', () => {
    kubectl('create', 'service', 'clusterip', 'web', '--tcp=8000:8000');
    const ip = kubectl('get', 'service', 'web', '-o', 'jsonpath={.spec.clusterIP}');
    expect(ip).toMatch(/^127\.96\.\d+\.\d+$/);
    expect(kubectl('get', 'service', 'kubernetes', '-o', 'jsonpath={.spec.clusterIP}')).toBe('127.96.0.1');
  });

  it('is left alone by a second up, and refuses another cluster on its port, naming it', async () => {
    const again = await llmd(['up', '--nodes', '0', '--dir', dir]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`^the cluster is already up: API https://127\\.0\\.0\\.1:${port}, 0 node agents\\n`));
    expect(pidsOf((await llmd(['status', '--dir', dir])).stdout)).toEqual(pids);
    const other = join(work, 'other');
    const clash = await llmd(['up', '--nodes', '0', '--dir', other, '--port', String(port)]);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toContain(`port ${port} on 127.0.0.1 (kube-apiserver) is in use by another process; choose another with --port`);
    expect(existsSync(other)).toBe(false);
  });

  it('starts a partly running cluster again: a dead kube-scheduler is reported, and up restarts the whole', async () => {
    const [scheduler] = [...(await llmd(['status', '--dir', dir])).stdout.matchAll(/kube-scheduler +running \(pid (\d+)\)/g)].map((m) => Number(m[1]));
    process.kill(scheduler, 'SIGKILL');
    await until(async () => !alive(scheduler), 10000);
    const status = await llmd(['status', '--dir', dir]);
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/NOT up[\s\S]*\n {2}kube-scheduler +stopped \(log /);
    const up = await llmd(['up', '--nodes', '0', '--dir', dir]);
    expect(up.code).toBe(0);
    expect(up.stdout).toContain(`the cluster in ${dir} is only partly running (kube-scheduler): stopping what is left and starting it again`);
    expect(pids.filter(alive)).toEqual([]);
    pids = pidsOf((await llmd(['status', '--dir', dir])).stdout);
    expect(pids).toHaveLength(4);
  });

  it('stops every process on down, and the next up finds its objects again', async () => {
    const ip = kubectl('get', 'service', 'web', '-o', 'jsonpath={.spec.clusterIP}');
    const down = await llmd(['down', '--dir', dir]);
    expect(down.code).toBe(0);
    expect(down.stdout).toMatch(/stopped 4 processes\n$/);
    expect(pids.filter(alive)).toEqual([]);
    const stopped = await llmd(['status', '--dir', dir]);
    expect(stopped.code).toBe(1);
    expect(stopped.stdout).toMatch(/NOT up/);
    const up = await llmd(['up', '--nodes', '0', '--dir', dir]);
    expect(up.code).toBe(0);
    pids = pidsOf((await llmd(['status', '--dir', dir])).stdout);
    expect(pids).toHaveLength(4);
    expect(kubectl('get', 'deployment', 'web', '-o', 'name').trim()).toBe('deployment.apps/web');
    expect(kubectl('get', 'service', 'web', '-o', 'jsonpath={.spec.clusterIP}')).toBe(ip);
  });

  it('removes everything on down --purge', async () => {
    const purge = await llmd(['down', '--dir', dir, '--purge']);
    expect(purge.code).toBe(0);
    expect(purge.stdout).toContain(`stopped 4 processes; removed ${dir}`);
    expect(pids.filter(alive)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
    const status = await llmd(['status', '--dir', dir]);
    expect(status.code).toBe(1);
    expect(status.stdout).toContain(`no cluster in ${dir}`);
  });
});
