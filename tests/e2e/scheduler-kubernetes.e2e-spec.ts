// Kubernetes discovery against a real kube-apiserver (and etcd): pods selected by label become the
// scheduler's endpoints when they are ready, on their pod IP and the pool's target port, with the role
// from their label; they leave when they stop being ready or are deleted. cache-manager discovers the
// same pods (their KV event sockets) under the same endpoint ids, so precise routing works on them. Two
// real vllm-sim pods stand behind the pod IPs (127.0.0.2 and 127.0.0.3, one port each for HTTP and ZMQ).
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { DIST, freePorts } from '@llmd/cli';
import { schedulerv1 } from '@llmd/proto';
import { startKubeApiServer, KubeApiServer } from '../support/kube-apiserver';
import { TestSchedulerClient } from '../support/scheduler-client';
import { E2E_MODEL } from '../support/test-stack';
import { until } from '../support/until';

const NS = 'llmd-e2e';
const SELECTOR = { 'app.kubernetes.io/name': 'vllm', 'llm-d.ai/inferenceServing': 'true' };

function node(app: string, args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [join(DIST, 'apps', app, 'src', 'main.js'), ...args], { env: { ...process.env, OTEL_TRACES_EXPORTER: 'none', ...env }, stdio: 'ignore' });
}

describe('scheduler discovery from Kubernetes (real kube-apiserver)', () => {
  let kube: KubeApiServer;
  let client: TestSchedulerClient;
  const procs: ChildProcess[] = [];
  let simPort = 0;

  const endpoints = async () => (await client.listEndpoints()).map((e) => ({ id: e.endpoint!.id, address: e.endpoint!.address, role: e.endpoint!.role, healthy: e.healthy }));
  const healthyIds = async () => (await endpoints()).filter((e) => e.healthy).map((e) => e.id).sort();

  async function createPod(name: string, labels: Record<string, string>): Promise<void> {
    await kube.request('POST', `/api/v1/namespaces/${NS}/pods`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels },
      spec: { containers: [{ name: 'vllm', image: 'vllm/vllm-openai:latest', ports: [{ containerPort: simPort }] }] },
    });
  }

  /** What the kubelet would write: the pod running (or not) with its IP. */
  async function setStatus(name: string, podIP: string, ready: boolean): Promise<void> {
    const now = new Date().toISOString();
    await kube.request('PATCH', `/api/v1/namespaces/${NS}/pods/${name}/status`, {
      status: { phase: 'Running', podIP, podIPs: [{ ip: podIP }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now }] },
    }, 'application/merge-patch+json');
  }

  beforeAll(async () => {
    kube = await startKubeApiServer();
    await kube.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    const [port, kvPort, grpcPort, opsPort, cacheGrpcPort, cacheOpsPort] = await freePorts(6);
    simPort = port;
    for (const host of ['127.0.0.2', '127.0.0.3']) {
      const kvEvents = { enable_kv_cache_events: true, publisher: 'zmq', endpoint: `tcp://${host}:${kvPort}` };
      procs.push(node('vllm-sim', ['serve', E2E_MODEL, '--host', host, '--port', String(simPort), '--gpu-profile', 'llama-3.2-1b', '--kv-events-config', JSON.stringify(kvEvents)], {}));
    }
    const kafka = process.env.LLMD_E2E_KAFKA ?? '127.0.0.1:9092';
    const discovery = { namespace: NS, selector: SELECTOR, models: [E2E_MODEL], kubeconfig: kube.kubeconfig };
    procs.push(
      node('cache-manager', [], {
        LLMD_KAFKA_BROKERS: kafka,
        LLMD_CACHE_MANAGER_GRPC_PORT: String(cacheGrpcPort),
        LLMD_CACHE_MANAGER_OPS_PORT: String(cacheOpsPort),
        LLMD_CACHE_MANAGER_KUBERNETES: JSON.stringify({ ...discovery, kvEventsPort: kvPort }),
      }),
      node('scheduler', [], {
        LLMD_KAFKA_BROKERS: kafka,
        LLMD_SCHEDULER_GRPC_PORT: String(grpcPort),
        LLMD_SCHEDULER_OPS_PORT: String(opsPort),
        LLMD_SCHEDULER_STALE_AFTER_MS: '1000',
        LLMD_SCHEDULER_PROFILE: 'precise-prefix',
        LLMD_SCHEDULER_CACHE_MANAGER_ADDRESS: `127.0.0.1:${cacheGrpcPort}`,
        LLMD_SCHEDULER_KUBERNETES: JSON.stringify({ ...discovery, targetPorts: [simPort] }),
      }),
    );
    for (const host of ['127.0.0.2', '127.0.0.3']) await until(() => fetch(`http://${host}:${simPort}/health`).then((r) => r.ok, () => false), 60000);
    client = new TestSchedulerClient(`127.0.0.1:${grpcPort}`);
    await until(() => endpoints().then(() => true, () => false), 60000);
  }, 180000);

  afterAll(async () => {
    client?.close();
    for (const p of procs) p.kill('SIGKILL');
    await kube?.stop();
  });

  it('adds a selected pod once it is ready, on its pod IP and the target port', async () => {
    await createPod('vllm-a', SELECTOR);
    await createPod('unrelated', { 'app.kubernetes.io/name': 'something-else' });
    await setStatus('unrelated', '127.0.0.3', true);
    // Created but not yet running: not an endpoint.
    await new Promise((r) => setTimeout(r, 300));
    expect(await endpoints()).toEqual([]);

    await setStatus('vllm-a', '127.0.0.2', true);
    await until(async () => (await healthyIds()).join() === `${NS}/vllm-a`);
    expect((await endpoints())[0]).toMatchObject({ id: `${NS}/vllm-a`, address: `127.0.0.2:${simPort}`, healthy: true });
    const pick = await client.pick(E2E_MODEL, 'hello from kubernetes');
    expect(pick.target?.id).toBe(`${NS}/vllm-a`);
  });

  it('takes the role from the pod label, and spreads picks over both pods', async () => {
    await createPod('vllm-b', { ...SELECTOR, 'llm-d.ai/role': 'decode' });
    await setStatus('vllm-b', '127.0.0.3', true);
    await until(async () => (await healthyIds()).join() === `${NS}/vllm-a,${NS}/vllm-b`);
    expect((await endpoints()).find((e) => e.id === `${NS}/vllm-b`)).toMatchObject({ address: `127.0.0.3:${simPort}`, role: schedulerv1.EndpointRole.ENDPOINT_ROLE_DECODE });
    const picks = await Promise.all(Array.from({ length: 10 }, (_, i) => client.pick(E2E_MODEL, `spread ${i}`)));
    expect(new Set(picks.map((p) => p.target?.id))).toEqual(new Set([`${NS}/vllm-a`, `${NS}/vllm-b`]));
  });

  it('routes a prompt to the pod holding its KV blocks: cache-manager found the pod under the same id', async () => {
    const system = 'You are the Kubernetes discovery assistant of the llmd test suite. Answer briefly. '.repeat(30);
    // Straight to vllm-b, around the scheduler: only its KV events, read by cache-manager, can tell.
    const res = await fetch(`http://127.0.0.3:${simPort}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: E2E_MODEL, prompt: `${system} first`, max_tokens: 2 }),
    });
    expect(res.status).toBe(200);
    await until(async () => {
      const pick = await client.pick(E2E_MODEL, `${system} second`);
      return pick.target?.id === `${NS}/vllm-b` && (pick.breakdown.find((b) => b.endpointId === `${NS}/vllm-b`)?.scores['prefix'] ?? 0) > 0.8;
    }, 30000);
  });

  it('drops a pod that stops being ready, and one that is deleted', async () => {
    await setStatus('vllm-a', '127.0.0.2', false);
    await until(async () => (await endpoints()).map((e) => e.id).join() === `${NS}/vllm-b`);
    const picks = await Promise.all(Array.from({ length: 5 }, (_, i) => client.pick(E2E_MODEL, `after not-ready ${i}`)));
    for (const p of picks) expect(p.target?.id).toBe(`${NS}/vllm-b`);

    await kube.request('DELETE', `/api/v1/namespaces/${NS}/pods/vllm-b`);
    await until(async () => (await endpoints()).length === 0);

    await setStatus('vllm-a', '127.0.0.2', true);
    await until(async () => (await healthyIds()).join() === `${NS}/vllm-a`);
  });
});
