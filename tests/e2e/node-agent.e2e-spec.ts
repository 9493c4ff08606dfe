// llmd's node agent against a real kube-apiserver, etcd and kube-controller-manager (Deployments
// become Pods; the pods name the node themselves, as there is no kube-scheduler here): it registers a
// Ready Node, runs pods of llmd's images as local processes on their own loopback IPs, reports their
// status, restarts a crashed container after a back-off, serves a Service on its loopback ClusterIP,
// stops a deleted pod's processes and removes the pod, and leaves pods of other images Pending with
// an event saying why.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { connect, createServer, Server } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST } from '@llmd/cli';
import { KubeApiServer, startKubeApiServer, WORKLOAD_CONTROLLERS } from '../support/kube-apiserver';
import { until } from '../support/until';

const NS = 'agent-e2e';
const NODE = 'llmd-node-1';
const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';

type Pod = {
  metadata: { name: string; uid: string; deletionTimestamp?: string; labels?: Record<string, string> };
  status?: { phase?: string; podIP?: string; conditions?: { type: string; status: string }[]; containerStatuses?: { name: string; ready: boolean; restartCount: number; containerID?: string; state?: Record<string, unknown> }[] };
};

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("llmd's node agent (real kube-apiserver and controllers)", () => {
  let kube: KubeApiServer;
  let dir: string;
  let agent: ChildProcess;
  const agentLog: string[] = [];
  /** Stands for a service outside the cluster (the local Kafka broker): answers every connection with "outside". */
  let outside: Server;

  const pods = async (selector: string): Promise<Pod[]> =>
    ((await kube.request('GET', `/api/v1/namespaces/${NS}/pods?labelSelector=${encodeURIComponent(selector)}`)) as { items: Pod[] }).items;
  const ready = (p: Pod) => (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
  const readyPods = async (selector: string) => (await pods(selector)).filter((p) => ready(p) && !p.metadata.deletionTimestamp);
  const pidOf = (p: Pod) => Number(p.status?.containerStatuses?.[0]?.containerID?.replace('llmd://', ''));
  const eventually = (what: string, cond: () => Promise<boolean>, ms = 60000) =>
    until(cond, ms).catch(() => {
      throw new Error(`timed out waiting for ${what}\nnode agent log:\n${agentLog.join('').slice(-6000)}`);
    });

  const simDeployment = (name: string, replicas: number, image = 'registry.example/llmd-vllm-sim:0.1.0') => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          nodeName: NODE,
          terminationGracePeriodSeconds: 5,
          containers: [
            {
              name: 'vllm',
              image,
              args: ['serve', '--config', '/etc/vllm-sim/config.yaml', '--served-model-name', '$(MODEL_NAME)'],
              env: [{ name: 'MODEL_NAME', valueFrom: { configMapKeyRef: { name: 'sim-model', key: 'name' } } }],
              ports: [{ name: 'http', containerPort: 8000 }],
              readinessProbe: { httpGet: { path: '/v1/models', port: 'http' }, periodSeconds: 1 },
              livenessProbe: { httpGet: { path: '/health', port: 'http' }, periodSeconds: 2 },
              volumeMounts: [{ name: 'config', mountPath: '/etc/vllm-sim' }],
            },
          ],
          volumes: [{ name: 'config', configMap: { name: 'sim-config' } }],
        },
      },
    },
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'llmd-node-agent-'));
    outside = createServer((socket) => socket.end('outside'));
    await new Promise<void>((resolve) => outside.listen(0, '127.0.0.1', resolve));
    const outsidePort = (outside.address() as { port: number }).port;
    kube = await startKubeApiServer({ controllers: WORKLOAD_CONTROLLERS, serviceCidr: '127.96.0.0/16' });
    agent = spawn(process.execPath, [join(DIST, 'tools/cli/src/cluster/node-agent/node-agent.main.js'), '--kubeconfig', kube.kubeconfig, '--node', NODE, '--pod-subnet', '127.1.0.0/16', '--state-dir', join(dir, 'nodes', NODE), '--service-proxy', '--external-service', `outside-svc:9092=127.0.0.1:${outsidePort}`], {
      env: { ...process.env, LLMD_NODE_AGENT_BACKOFF_BASE_MS: '500', OTEL_TRACES_EXPORTER: 'none' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    agent.stdout?.on('data', (b: Buffer) => agentLog.push(b.toString()));
    agent.stderr?.on('data', (b: Buffer) => agentLog.push(b.toString()));
    await kube.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    await kube.request('POST', `/api/v1/namespaces/${NS}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'sim-config' }, data: { 'config.yaml': `model: ${MODEL}\nhost: 0.0.0.0\nport: 8000\ntime-scale: 0.01\n` } });
    await kube.request('POST', `/api/v1/namespaces/${NS}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'sim-model' }, data: { name: 'llama' } });
  }, 120000);

  afterAll(async () => {
    if (agent && agent.exitCode === null) {
      await new Promise<void>((resolve) => {
        agent.once('exit', () => resolve());
        agent.kill('SIGTERM');
      });
    }
    await kube?.stop();
    outside?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers a Ready node', async () => {
    await eventually('the node', async () => {
      const node = (await kube.request('GET', `/api/v1/nodes/${NODE}`).catch(() => undefined)) as { status?: { conditions?: { type: string; status: string }[] } } | undefined;
      return (node?.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
    });
  });

  it("runs a Deployment's pods as processes on their own loopback IPs, with their config, env and probes", async () => {
    await kube.request('POST', `/apis/apps/v1/namespaces/${NS}/deployments`, simDeployment('sim', 2));
    await eventually('two ready sim pods', async () => (await readyPods('app=sim')).length === 2);
    const running = await readyPods('app=sim');
    const ips = running.map((p) => p.status!.podIP!);
    expect(new Set(ips).size).toBe(2);
    for (const ip of ips) {
      expect(ip).toMatch(/^127\.1\.\d+\.\d+$/);
      // The same container port on each pod's own address; the served name came through $(MODEL_NAME) from a ConfigMap.
      const models = (await (await fetch(`http://${ip}:8000/v1/models`)).json()) as { data: { id: string }[] };
      expect(models.data.map((m) => m.id)).toEqual(['llama']);
    }
    for (const p of running) {
      expect(p.status?.phase).toBe('Running');
      expect(alive(pidOf(p))).toBe(true);
    }
  });

  it("serves a Service on its loopback ClusterIP and writes its name into the pods' hosts file", async () => {
    const svc = (await kube.request('POST', `/api/v1/namespaces/${NS}/services`, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'sim' }, spec: { selector: { app: 'sim' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } })) as { spec: { clusterIP: string } };
    expect(svc.spec.clusterIP).toMatch(/^127\.96\./);
    await eventually('the Service answering', async () => (await fetch(`http://${svc.spec.clusterIP}:80/v1/models`).catch(() => undefined))?.status === 200, 15000);
    const res = await fetch(`http://${svc.spec.clusterIP}:80/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'llama', prompt: 'Hello', max_tokens: 4 }) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { usage: { completion_tokens: number } }).usage.completion_tokens).toBe(4);
    const hosts = JSON.parse(readFileSync(join(dir, 'nodes', 'hosts.json'), 'utf8')) as Record<string, string>;
    expect(hosts[`sim.${NS}.svc.cluster.local`]).toBe(svc.spec.clusterIP);
  });

  it("serves a NodePort Service on the node's address too", async () => {
    const svc = (await kube.request('POST', `/api/v1/namespaces/${NS}/services`, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'sim-np' }, spec: { type: 'NodePort', selector: { app: 'sim' }, ports: [{ name: 'http', port: 8000, targetPort: 'http' }] } })) as { spec: { ports: { nodePort: number }[] } };
    const nodePort = svc.spec.ports[0].nodePort;
    await eventually('the node port answering', async () => (await fetch(`http://127.0.0.1:${nodePort}/v1/models`).catch(() => undefined))?.status === 200, 15000);
  });

  it("resolves Service names in a pod's process, short and qualified, and an outside service's name in any namespace", async () => {
    const svc = (await kube.request('GET', `/api/v1/namespaces/${NS}/services/sim`)) as { spec: { clusterIP: string } };
    const resolve = (name: string) =>
      execFileSync(process.execPath, ['--require', join(DIST, 'tools/cli/src/cluster/node-agent/preload.js'), '-e', `require('dns').lookup(process.argv[1], (e, a) => process.stdout.write(e ? 'ERR ' + e.code : a))`, name], {
        env: { PATH: process.env.PATH, LLMD_POD_NAMESPACE: NS, LLMD_CLUSTER_HOSTS_FILE: join(dir, 'nodes', 'hosts.json') },
      }).toString();
    for (const name of ['sim', `sim.${NS}`, `sim.${NS}.svc`, `sim.${NS}.svc.cluster.local`]) expect(resolve(name)).toBe(svc.spec.clusterIP);
    const hosts = JSON.parse(readFileSync(join(dir, 'nodes', 'hosts.json'), 'utf8')) as Record<string, string>;
    const outsideAddress = hosts['outside-svc.*.svc.cluster.local'];
    expect(outsideAddress).toMatch(/^127\.97\.0\.\d+$/);
    expect(resolve('outside-svc')).toBe(outsideAddress);
    expect(resolve('outside-svc.another-namespace.svc.cluster.local')).toBe(outsideAddress);
    expect(resolve('localhost')).toBe('127.0.0.1');
    const reply = await new Promise<string>((res, rej) => {
      const chunks: Buffer[] = [];
      const socket = connect(9092, outsideAddress);
      socket.on('data', (b: Buffer) => chunks.push(b)).once('end', () => res(Buffer.concat(chunks).toString())).once('error', rej);
    });
    expect(reply).toBe('outside');
  });

  it('restarts a crashed container after a back-off and counts the restart', async () => {
    const [victim] = await readyPods('app=sim');
    process.kill(pidOf(victim), 'SIGKILL');
    await eventually('the restart', async () => {
      const p = (await pods('app=sim')).find((x) => x.metadata.uid === victim.metadata.uid);
      return p !== undefined && ready(p) && p.status?.containerStatuses?.[0]?.restartCount === 1;
    });
    const p = (await pods('app=sim')).find((x) => x.metadata.uid === victim.metadata.uid)!;
    expect(p.status?.podIP).toBe(victim.status?.podIP);
    expect(p.status?.containerStatuses?.[0]?.containerID).not.toBe(victim.status?.containerStatuses?.[0]?.containerID);
  });

  it("stops a deleted pod's processes, removes it, and the Deployment's replacement runs", async () => {
    const [victim] = await readyPods('app=sim');
    const pid = pidOf(victim);
    await kube.request('DELETE', `/api/v1/namespaces/${NS}/pods/${victim.metadata.name}`);
    await eventually('the pod gone and its process stopped', async () => !(await pods('app=sim')).some((p) => p.metadata.uid === victim.metadata.uid) && !alive(pid));
    await eventually('two ready pods again', async () => (await readyPods('app=sim')).length === 2);
  });

  it("leaves a pod of another image Pending, with an event that says why", async () => {
    await kube.request('POST', `/apis/apps/v1/namespaces/${NS}/deployments`, simDeployment('other', 1, 'nginx:1.27'));
    await eventually('the event', async () => {
      const events = ((await kube.request('GET', `/api/v1/namespaces/${NS}/events`)) as { items: { reason: string; message: string; involvedObject: { name: string } }[] }).items;
      return events.some((e) => e.involvedObject.name.startsWith('other-') && e.reason === 'Failed' && /image nginx:1\.27 is not one of llmd's/.test(e.message));
    });
    const [p] = await pods('app=other');
    expect(p.status?.phase).toBe('Pending');
    expect(p.status?.containerStatuses?.[0]?.state).toMatchObject({ waiting: { reason: 'ImageNotRunnable' } });
  });
});
