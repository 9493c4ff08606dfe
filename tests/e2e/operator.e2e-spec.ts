// The operator against a real kube-apiserver, etcd and kube-controller-manager (Deployments become
// ReplicaSets and Pods; owner references are garbage-collected; no kubelet: the test writes pod status
// as one would). The steps are the README's kubectl steps: apply the CRDs, apply the brief's examples
// unchanged, watch status. The operator runs as the built app (node dist/apps/operator/src/main.js).
// The tests share one cluster and run in order, each building on the state the previous one left.
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { DIST, freePorts, REPO_ROOT } from '@llmd/cli';
import { KubeApiServer, startKubeApiServer, WORKLOAD_CONTROLLERS } from '../support/kube-apiserver';
import { until } from '../support/until';

const NS = 'llmd-operator-e2e';
const LEASE_NS = 'default';
const LLMD = `/apis/llm-d.io/v1alpha1/namespaces/${NS}`;
const MANAGED = 'app.kubernetes.io/managed-by=llmd-operator';

type Obj = {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; uid?: string; generation?: number; labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: { uid: string; controller?: boolean; kind: string }[]; deletionTimestamp?: string; finalizers?: string[] };
  spec?: Spec;
  status?: Status;
};
type Condition = { type: string; status: string; reason: string; message: string; observedGeneration?: number };
/** The fields of Deployments, ServingPools, CRDs and Leases this test reads; the rest stays unknown. */
type Spec = {
  role?: string;
  deployment?: string;
  replicas?: number;
  holderIdentity?: string;
  selector?: { matchLabels?: Record<string, string> };
  template?: {
    metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
    spec?: { containers?: { name: string; args?: string[]; resources?: { limits?: Record<string, string>; requests?: Record<string, string> } }[] };
  };
  names?: { kind: string };
  versions?: { name: string; schema?: unknown }[];
  [field: string]: unknown;
};
type Status = {
  conditions?: Condition[];
  replicas?: number;
  readyReplicas?: number;
  updatedReplicas?: number;
  observedGeneration?: number;
  unified?: { readyReplicas?: number };
  [field: string]: unknown;
};

interface OperatorProcess {
  identity: string;
  opsPort: number;
  child: ChildProcess;
  logs: string[];
}

describe('operator (real kube-apiserver, etcd and kube-controller-manager)', () => {
  let kube: KubeApiServer;
  const operators: OperatorProcess[] = [];
  /** Operators killed on purpose, kept for their logs. */
  const retired: OperatorProcess[] = [];

  // --- the cluster, as kubectl would see it ---------------------------------------------------
  const get = (path: string) => kube.request('GET', path) as Promise<Obj>;
  const tryGet = (path: string) => get(path).catch((err: Error) => (/: 404 /.test(err.message) ? undefined : Promise.reject(err)));
  const list = async (path: string, selector?: string): Promise<Obj[]> =>
    ((await kube.request('GET', selector ? `${path}?labelSelector=${encodeURIComponent(selector)}` : path)) as { items: Obj[] }).items;
  /** `kubectl apply --server-side -f <file>`: the YAML as written, through server-side apply. */
  const applyYaml = async (collection: string, doc: Obj) => kube.request('PATCH', `${collection}/${doc.metadata.name}?fieldManager=kubectl&force=true`, doc, 'application/apply-patch+yaml');
  const mergePatch = (path: string, body: unknown) => kube.request('PATCH', path, body, 'application/merge-patch+json');
  const example = (file: string) => parseAllDocuments(readFileSync(join(REPO_ROOT, 'deploy', 'examples', file), 'utf8'))[0].toJS() as Obj;
  const ownedBy = (owner: Obj) => (o: Obj) => (o.metadata.ownerReferences ?? []).some((r) => r.uid === owner.metadata.uid && r.controller);
  const llmd = (name: string) => get(`${LLMD}/llmdeployments/${name}`);
  const condition = (o: Obj | undefined, type: string): Condition | undefined => (o?.status?.conditions as Condition[] | undefined)?.find((c) => c.type === type);
  const poolsOf = async (name: string) => (await list(`${LLMD}/servingpools`)).filter(ownedBy(await llmd(name)));
  const poolByRole = async (name: string, role: string) => (await poolsOf(name)).find((p) => p.spec?.role === role);
  const deploymentOf = (pool: Obj) => tryGet(`/apis/apps/v1/namespaces/${NS}/deployments/${pool.metadata.name}`);

  const lastLogs = () => operators.map((o) => `--- ${o.identity}\n${o.logs.slice(-25).join('')}`).join('\n');
  /** until(), failing with what it waited for and the operators' last log lines. */
  async function eventually(what: string, cond: () => Promise<boolean>, ms = 30000): Promise<void> {
    try {
      await until(cond, ms);
    } catch {
      throw new Error(`${what}: not within ${ms} ms\n${lastLogs()}`);
    }
  }

  /** What a kubelet would write: every pod the Deployment selects running and ready, on an IP of its own. */
  let nextIp = 10;
  async function markPodsReady(deployment: Obj): Promise<number> {
    const selector = Object.entries((deployment.spec?.selector?.matchLabels ?? {}) as Record<string, string>).map(([k, v]) => `${k}=${v}`).join(',');
    const pods = await list(`/api/v1/namespaces/${NS}/pods`, selector);
    let marked = 0;
    for (const pod of pods) {
      if (pod.metadata.deletionTimestamp || (pod.status?.conditions ?? []).some((c: Condition) => c.type === 'Ready' && c.status === 'True')) continue;
      const now = new Date().toISOString();
      const ip = `10.244.0.${nextIp++ % 250}`;
      await mergePatch(`/api/v1/namespaces/${NS}/pods/${pod.metadata.name}/status`, {
        status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], startTime: now, conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }, { type: 'ContainersReady', status: 'True', lastTransitionTime: now }] },
      }).catch(() => undefined);
      marked++;
    }
    return marked;
  }

  // --- the operator processes -------------------------------------------------------------------
  async function startOperator(identity: string): Promise<OperatorProcess> {
    const [opsPort] = await freePorts(1);
    const child = spawn(process.execPath, [join(DIST, 'apps', 'operator', 'src', 'main.js')], {
      env: {
        ...process.env,
        OTEL_TRACES_EXPORTER: 'none',
        LLMD_LOG_LEVEL: 'info',
        KUBECONFIG: kube.kubeconfig,
        LLMD_OPERATOR_OPS_PORT: String(opsPort),
        // The test reads /debug/operator: off by default, on here (loopback only).
        LLMD_OPERATOR_DEBUG_ENABLED: 'true',
        LLMD_OPERATOR_IDENTITY: identity,
        LLMD_OPERATOR_LEADER_ELECTION_NAMESPACE: LEASE_NS,
        LLMD_OPERATOR_CRD_CHECK_INTERVAL_MS: '500',
        LLMD_SHUTDOWN_GRACE_MS: '5000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const proc: OperatorProcess = { identity, opsPort, child, logs: [] };
    const keep = (b: Buffer) => {
      proc.logs.push(b.toString());
      if (proc.logs.length > 2000) proc.logs.shift();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    operators.push(proc);
    await eventually(`${identity} ready`, async () => {
      if (child.exitCode !== null) throw new Error(`${identity} exited with ${child.exitCode}\n${proc.logs.join('')}`);
      return fetch(`http://127.0.0.1:${opsPort}/readyz`).then((r) => r.ok, () => false);
    }, 30000);
    return proc;
  }

  async function stopOperator(op: OperatorProcess, signal: NodeJS.Signals): Promise<void> {
    if (op.child.exitCode !== null || op.child.signalCode !== null) return;
    const exited = new Promise((resolve) => op.child.once('exit', resolve));
    op.child.kill(signal);
    await exited;
  }

  const debugView = (op: OperatorProcess) => fetch(`http://127.0.0.1:${op.opsPort}/debug/operator`).then((r) => r.json() as Promise<{ role: string; inferencePoolInstalled: boolean }>);
  const metrics = (op: OperatorProcess) => fetch(`http://127.0.0.1:${op.opsPort}/metrics`).then((r) => r.text());
  /** The value of one sample of a metric (0 when absent). */
  const sample = (text: string, name: string, labels: Record<string, string>) =>
    text
      .split('\n')
      .filter((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)))
      .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
  const reconciles = async (op: OperatorProcess, controller: string) => sample(await metrics(op), 'controller_runtime_reconcile_total', { controller });
  const leaseHolder = async () => (await get(`/apis/coordination.k8s.io/v1/namespaces/${LEASE_NS}/leases/llmd-operator`)).spec?.holderIdentity as string | undefined;

  beforeAll(async () => {
    if (!existsSync(join(DIST, 'apps', 'operator', 'src', 'main.js'))) throw new Error('dist/ is missing the operator: run node tools/build.mjs');
    kube = await startKubeApiServer({ controllers: WORKLOAD_CONTROLLERS });
    await kube.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  }, 120000);

  afterAll(async () => {
    if (process.env.LLMD_E2E_OPERATOR_LOGS) writeFileSync(process.env.LLMD_E2E_OPERATOR_LOGS, [...retired, ...operators].map((o) => `--- ${o.identity}\n${o.logs.join('')}`).join('\n'));
    for (const op of operators) op.child.kill('SIGKILL');
    await kube?.stop();
  });

  it('kubectl apply -f deploy/crds: the llm-d.io CRDs install and become established', async () => {
    const dir = join(REPO_ROOT, 'deploy', 'crds');
    const crds = readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as Obj))
      .filter((d) => d?.kind === 'CustomResourceDefinition');
    expect(crds.map((c) => c.spec?.names?.kind).sort()).toEqual(['CachePolicy', 'InferenceGateway', 'LLMDeployment', 'SchedulingPolicy', 'ServingPool']);
    for (const crd of crds) await applyYaml('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
    await eventually('CRDs established', async () => {
      const all = await list('/apis/apiextensions.k8s.io/v1/customresourcedefinitions');
      return crds.every((c) => (all.find((a) => a.metadata.name === c.metadata.name)?.status?.conditions ?? []).some((x: Condition) => x.type === 'Established' && x.status === 'True'));
    });
    await startOperator('op-a');
    await eventually('op-a leads', async () => (await leaseHolder().catch(() => undefined)) === 'op-a' && (await debugView(operators[0])).role === 'leader');
  });

  it('the unified example, applied unchanged, becomes a ServingPool, its Deployment and a Service; a condition says the InferencePool CRD is missing', async () => {
    await applyYaml(`${LLMD}/llmdeployments`, example('llama-deployment.yaml'));
    await eventually('the unified pool and its Deployment', async () => {
      const pool = await poolByRole('llama-deployment', 'unified').catch(() => undefined);
      return pool !== undefined && (await deploymentOf(pool)) !== undefined;
    });
    const pool = (await poolByRole('llama-deployment', 'unified'))!;
    expect(pool.spec).toMatchObject({ deployment: 'llama-deployment', role: 'unified', model: 'meta-llama/Llama-2-7b-hf', replicas: 3 });
    // spec.replicas was handed to its own field manager, so the operator's applies (without it) keep it.
    await eventually('replicas handed over', async () => {
      const managers = ((await get(`${LLMD}/servingpools/${pool.metadata.name}`)).metadata as { managedFields?: { manager: string; fieldsV1?: { 'f:spec'?: { 'f:replicas'?: unknown } } }[] }).managedFields ?? [];
      const owners = managers.filter((m) => m.fieldsV1?.['f:spec']?.['f:replicas'] !== undefined).map((m) => m.manager);
      return owners.includes('llmd-operator-replicas') && !owners.includes('llmd-operator');
    });
    const deployment = (await deploymentOf(pool))!;
    expect(deployment.spec?.replicas).toBe(3);
    expect(deployment.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'llmd-operator' });
    expect(deployment.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'ServingPool', name: pool.metadata.name, uid: pool.metadata.uid, controller: true })]);
    const container = deployment.spec?.template?.spec?.containers?.[0];
    expect(container?.resources?.limits).toMatchObject({ 'nvidia.com/gpu': '1', memory: '40Gi' });
    expect(deployment.spec?.template?.metadata?.labels).toMatchObject({ 'llm-d.ai/role': expect.any(String) });
    const services = (await list(`/api/v1/namespaces/${NS}/services`, MANAGED)).filter(ownedBy(await llmd('llama-deployment')));
    expect(services.length).toBeGreaterThanOrEqual(1);
    await eventually('a condition about the missing InferencePool CRD', async () => {
      const d = await llmd('llama-deployment');
      return (d.status?.conditions ?? []).some((c: Condition) => /InferencePool/.test(`${c.reason} ${c.message}`));
    });
    // The replicas exist as pods (kube-controller-manager), unbound and not ready.
    await eventually('3 pods', async () => (await get(`/apis/apps/v1/namespaces/${NS}/deployments/${pool.metadata.name}`)).status?.replicas === 3);
    expect(await llmd('llama-deployment').then((d) => d.metadata.finalizers)).toContain('llm-d.io/cleanup');
  });

  it('the disaggregated example, applied unchanged, becomes a prefill pool of 2 and a decode pool of 6', async () => {
    await applyYaml(`${LLMD}/llmdeployments`, example('llama-disaggregated.yaml'));
    await eventually('prefill and decode pools with Deployments', async () => {
      const pools = await poolsOf('llama-disaggregated').catch(() => []);
      if (pools.length !== 2) return false;
      return (await Promise.all(pools.map(deploymentOf))).every(Boolean);
    });
    const prefill = (await poolByRole('llama-disaggregated', 'prefill'))!;
    const decode = (await poolByRole('llama-disaggregated', 'decode'))!;
    expect(prefill.spec?.replicas).toBe(2);
    expect(decode.spec?.replicas).toBe(6);
    const prefillDeployment = (await deploymentOf(prefill))!;
    // The 500Gi cpu tier is host memory of each pod, on top of the 80Gi the pool asks for.
    expect(prefillDeployment.spec?.template?.spec?.containers?.[0]?.resources?.limits).toMatchObject({ 'nvidia.com/gpu': '2', memory: '580Gi' });
    expect(prefillDeployment.spec?.template?.metadata?.labels).toMatchObject({ 'llm-d.ai/role': 'prefill' });
    expect((await deploymentOf(decode))!.spec?.template?.metadata?.labels).toMatchObject({ 'llm-d.ai/role': 'decode' });
  });

  it('an InferenceGateway renders gateway, scheduler and cache-manager; a SchedulingPolicy change re-renders its config', async () => {
    await applyYaml(`${LLMD}/schedulingpolicies`, { apiVersion: 'llm-d.io/v1alpha1', kind: 'SchedulingPolicy', metadata: { name: 'affinity' }, spec: { strategy: 'cache-affinity' } });
    await applyYaml(`${LLMD}/inferencegateways`, {
      apiVersion: 'llm-d.io/v1alpha1',
      kind: 'InferenceGateway',
      metadata: { name: 'gw' },
      spec: { deployments: [{ name: 'llama-deployment' }], schedulingPolicyRef: { name: 'affinity' } },
    });
    const gw = async () => get(`${LLMD}/inferencegateways/gw`);
    const children = async (path: string) => (await list(path, MANAGED)).filter(ownedBy(await gw()));
    await eventually('gateway, scheduler and cache-manager Deployments', async () => (await children(`/apis/apps/v1/namespaces/${NS}/deployments`)).length >= 3);
    expect((await children(`/api/v1/namespaces/${NS}/services`)).length).toBeGreaterThanOrEqual(1);
    const configMaps = await children(`/api/v1/namespaces/${NS}/configmaps`);
    expect(configMaps.length).toBeGreaterThanOrEqual(1);
    const templates = async () => JSON.stringify((await children(`/apis/apps/v1/namespaces/${NS}/deployments`)).map((d) => d.spec?.template?.metadata?.annotations ?? {}));
    const before = await templates();
    await mergePatch(`${LLMD}/schedulingpolicies/affinity`, { spec: { strategy: 'load-balanced' } });
    await eventually('the policy change reaches the rendered config (checksum annotation)', async () => (await templates()) !== before);
    await eventually('the policy says it is valid', async () => condition(await get(`${LLMD}/schedulingpolicies/affinity`), 'Ready')?.status === 'True');
  });

  it('installing the InferencePool CRD makes the InferencePool of a deployment behind a gateway appear, and clears the condition', async () => {
    await installInferencePoolCrd();
    await eventually('an InferencePool per LLMDeployment', async () => {
      const pools = await list(`/apis/inference.networking.k8s.io/v1/namespaces/${NS}/inferencepools`).catch(() => []);
      const owner = await llmd('llama-deployment');
      return pools.some(ownedBy(owner));
    });
    const pool = (await list(`/apis/inference.networking.k8s.io/v1/namespaces/${NS}/inferencepools`)).find(ownedBy(await llmd('llama-deployment')))!;
    expect(pool.spec).toMatchObject({ selector: expect.anything(), targetPorts: expect.anything() });
    await eventually('no InferencePool condition left', async () => {
      const d = await llmd('llama-deployment');
      return !(d.status?.conditions ?? []).some((c: Condition) => c.status === (c.type === 'Ready' ? 'False' : 'True') && /InferencePool/.test(`${c.reason} ${c.message}`));
    });
  });

  it('status follows pod readiness: Progressing until the pods are Ready, then Ready=True with per-pool counts', async () => {
    const d = await llmd('llama-deployment');
    expect(condition(d, 'Ready')?.status).not.toBe('True');
    expect(condition(d, 'Progressing')?.status).toBe('True');
    const pool = (await poolByRole('llama-deployment', 'unified'))!;
    await eventually('pods ready', async () => {
      await markPodsReady((await deploymentOf(pool))!);
      return (await deploymentOf(pool))?.status?.readyReplicas === 3;
    });
    await eventually('Ready=True with counts', async () => {
      const now = await llmd('llama-deployment');
      return condition(now, 'Ready')?.status === 'True' && now.status?.unified?.readyReplicas === 3;
    });
    const now = await llmd('llama-deployment');
    expect(now.status).toMatchObject({ observedGeneration: now.metadata.generation, unified: { replicas: 3, readyReplicas: 3, updatedReplicas: 3 } });
    expect(condition(now, 'Ready')).toMatchObject({ status: 'True', observedGeneration: now.metadata.generation });
    expect(condition(now, 'Progressing')?.status).toBe('False');
    const poolNow = (await poolByRole('llama-deployment', 'unified'))!;
    expect(poolNow.status).toMatchObject({ replicas: 3, readyReplicas: 3, updatedReplicas: 3, selector: expect.any(String) });
  });

  it('a spec change rolls the pool: the Deployment template changes and a new ReplicaSet comes', async () => {
    const pool = (await poolByRole('llama-deployment', 'unified'))!;
    const before = (await deploymentOf(pool))!;
    await mergePatch(`${LLMD}/llmdeployments/llama-deployment`, { spec: { model: { maxModelLen: 4096 } } });
    await eventually('a new template', async () => JSON.stringify((await deploymentOf(pool))?.spec?.template) !== JSON.stringify(before.spec?.template));
    const after = (await deploymentOf(pool))!;
    expect(JSON.stringify(after.spec?.template)).toContain('4096');
    await eventually('two ReplicaSets', async () => (await list(`/apis/apps/v1/namespaces/${NS}/replicasets`)).filter(ownedBy(after)).length === 2);
    await eventually('Progressing while the new pods are not ready', async () => condition(await llmd('llama-deployment'), 'Progressing')?.status === 'True');
    await eventually('the rollout completes as pods become ready', async () => {
      await markPodsReady((await deploymentOf(pool))!);
      const dep = (await deploymentOf(pool))!;
      return dep.status?.updatedReplicas === 3 && dep.status?.readyReplicas === 3 && dep.status?.replicas === 3;
    }, 60000);
    await eventually('Ready again', async () => condition(await llmd('llama-deployment'), 'Ready')?.status === 'True');
  });

  it('scaling through the ServingPool /scale resizes the Deployment and the operator leaves it; a declared change goes through /scale', async () => {
    const pool = (await poolByRole('llama-deployment', 'unified'))!;
    const scalePath = `${LLMD}/servingpools/${pool.metadata.name}/scale`;
    const scale = await get(scalePath);
    expect(scale).toMatchObject({ kind: 'Scale', spec: { replicas: 3 }, status: { replicas: 3, selector: expect.any(String) } });
    // As an HPA would: through /scale, with its own field manager.
    await kube.request('PATCH', `${scalePath}?fieldManager=test-hpa`, { spec: { replicas: 5 } }, 'application/merge-patch+json');
    await eventually('the Deployment follows the pool', async () => (await deploymentOf(pool))?.spec?.replicas === 5);
    // Reconcile the LLMDeployment again (an annotation is an update event, not a spec change) and see it keep 5.
    const count = await reconciles(operators[0], 'llmdeployment');
    await mergePatch(`${LLMD}/llmdeployments/llama-deployment`, { metadata: { annotations: { 'e2e/touch': '1' } } });
    await eventually('a reconcile after the touch', async () => (await reconciles(operators[0], 'llmdeployment')) > count);
    expect((await get(`${LLMD}/servingpools/${pool.metadata.name}`)).spec?.replicas).toBe(5);
    expect((await deploymentOf(pool))?.spec?.replicas).toBe(5);
    // The declared number changes: the operator writes it through /scale.
    await mergePatch(`${LLMD}/llmdeployments/llama-deployment`, { spec: { serving: { replicas: 4 } } });
    await eventually('the declared 4 reaches pool and Deployment', async () => (await get(scalePath)).spec?.replicas === 4 && (await deploymentOf(pool))?.spec?.replicas === 4);
  });

  it('an invalid spec is a condition with a clear message, and the operator keeps running', async () => {
    // A reference to a policy that does not exist: admitted by the CRD, refused by the operator.
    await applyYaml(`${LLMD}/llmdeployments`, {
      apiVersion: 'llm-d.io/v1alpha1',
      kind: 'LLMDeployment',
      metadata: { name: 'bad-ref' },
      spec: { model: { name: 'facebook/opt-125m', runtime: 'vllm' }, serving: { mode: 'unified', replicas: 1 }, schedulingPolicyRef: { name: 'no-such-policy' } },
    });
    await eventually('a condition naming the missing policy', async () => {
      const d = await llmd('bad-ref');
      return (d.status?.conditions ?? []).some((c: Condition) => c.message.includes('no-such-policy'));
    });
    expect(condition(await llmd('bad-ref'), 'Ready')?.status).not.toBe('True');
    // A spec the CRD admits but the operator's schema refuses (the checks CEL cannot express).
    await applyYaml(`${LLMD}/llmdeployments`, {
      apiVersion: 'llm-d.io/v1alpha1',
      kind: 'LLMDeployment',
      metadata: { name: 'bad-spec' },
      spec: { model: { name: 'facebook/opt-125m', runtime: 'vllm' }, serving: { mode: 'unified', replicas: 1 }, resources: { gpu: 'nvidia.com/gpu', count: 1, memory: '40Gi' } },
    });
    const restore = await relaxLLMDeploymentSchema();
    try {
      await eventually('the relaxed schema admits a negative replica count', async () =>
        mergePatch(`${LLMD}/llmdeployments/bad-spec`, { spec: { serving: { replicas: -3 } } }).then(() => true, () => false),
      );
      await eventually('Ready=False InvalidSpec', async () => condition(await llmd('bad-spec'), 'Ready')?.reason === 'InvalidSpec');
    } finally {
      await restore();
    }
    expect(condition(await llmd('bad-spec'), 'Ready')).toMatchObject({ status: 'False', reason: 'InvalidSpec', message: expect.stringContaining('spec.serving.replicas') });
    expect(condition(await llmd('bad-spec'), 'Degraded')).toMatchObject({ status: 'True', reason: 'InvalidSpec' });
    expect(operators[0].child.exitCode).toBeNull();
    expect((await fetch(`http://127.0.0.1:${operators[0].opsPort}/healthz`)).ok).toBe(true);
    for (const name of ['bad-ref', 'bad-spec']) await kube.request('DELETE', `${LLMD}/llmdeployments/${name}`);
  });

  it('killed mid-reconcile (SIGKILL) and restarted, it converges: a unified deployment switched to disaggregated meanwhile is pruned and rebuilt', async () => {
    const small = {
      apiVersion: 'llm-d.io/v1alpha1',
      kind: 'LLMDeployment',
      metadata: { name: 'small' },
      spec: { model: { name: 'facebook/opt-125m', runtime: 'vllm' }, serving: { mode: 'unified', replicas: 2 }, simulated: true },
    };
    await applyYaml(`${LLMD}/llmdeployments`, small);
    // Mid-reconcile: the pool exists, its Deployment may not yet.
    await eventually('the first object of small', async () => (await poolsOf('small').catch(() => [])).length > 0, 30000);
    const killed = operators.shift()!;
    retired.push(killed);
    await stopOperator(killed, 'SIGKILL');
    await applyYaml(`${LLMD}/llmdeployments`, { ...small, spec: { ...small.spec, serving: { mode: 'disaggregated', prefill: { replicas: 1 }, decode: { replicas: 2 } } } });
    // Same identity, as a restarted pod keeps its lease (a new one would wait out the 15 s lease).
    await startOperator('op-a');
    await eventually('prefill and decode, the unified pool pruned', async () => {
      const pools = await poolsOf('small');
      const roles = pools.filter((p) => !p.metadata.deletionTimestamp).map((p) => p.spec?.role).sort();
      return roles.join() === 'decode,prefill' && (await Promise.all(pools.map(deploymentOf))).every(Boolean);
    }, 45000);
    expect((await poolByRole('small', 'prefill'))!.spec?.replicas).toBe(1);
    expect((await poolByRole('small', 'decode'))!.spec?.replicas).toBe(2);
    const dep = (await deploymentOf((await poolByRole('small', 'decode'))!))!;
    expect(JSON.stringify(dep.spec?.template)).toMatch(/vllm-sim/);
    await eventually('observedGeneration caught up', async () => {
      const d = await llmd('small');
      return d.status?.observedGeneration === d.metadata.generation;
    });
    // The unified pool is gone, or terminating until its pods are (foreground deletion).
    const unified = (await list(`${LLMD}/servingpools`)).find((p) => p.spec?.deployment === 'small' && p.spec?.role === 'unified');
    expect(unified === undefined || unified.metadata.deletionTimestamp !== undefined).toBe(true);
  });

  it('two replicas, one leader (the lease holder); the standby is ready but idle, and takes over when the leader stops', async () => {
    const b = await startOperator('op-b');
    expect(await leaseHolder()).toBe('op-a');
    expect(await debugView(b)).toMatchObject({ role: 'standby' });
    const readyz = (await (await fetch(`http://127.0.0.1:${b.opsPort}/readyz`)).json()) as { checks: Record<string, boolean> };
    expect(readyz.checks).toMatchObject({ leader: false });
    const standbyMetrics = await metrics(b);
    expect(sample(standbyMetrics, 'llmd_operator_role', { role: 'standby' })).toBe(1);
    expect(sample(standbyMetrics, 'controller_runtime_reconcile_total', {})).toBe(0);
    // The leader's reconcile counts, durations and errors, for every controller.
    const leaderMetrics = await metrics(operators[0]);
    for (const controller of ['llmdeployment', 'servingpool', 'inferencegateway', 'schedulingpolicy']) {
      expect(sample(leaderMetrics, 'controller_runtime_reconcile_total', { controller })).toBeGreaterThan(0);
      expect(sample(leaderMetrics, 'controller_runtime_reconcile_time_seconds_count', { controller })).toBeGreaterThan(0);
    }
    expect(leaderMetrics).toMatch(/^# TYPE controller_runtime_reconcile_errors_total counter$/m);
    expect(sample(leaderMetrics, 'llmd_operator_role', { role: 'leader' })).toBe(1);

    await stopOperator(operators[0], 'SIGTERM');
    await eventually('op-b holds the lease and leads', async () => (await leaseHolder()) === 'op-b' && (await debugView(b)).role === 'leader', 20000);
    // And reconciles: a declared change goes through.
    await mergePatch(`${LLMD}/llmdeployments/small`, { spec: { serving: { decode: { replicas: 3 } } } });
    await eventually('op-b scaled the decode pool', async () => (await poolByRole('small', 'decode'))?.spec?.replicas === 3);
    expect(await reconciles(b, 'llmdeployment')).toBeGreaterThan(0);
  });

  it('deleting the LLMDeployments and the gateway leaves nothing behind', async () => {
    for (const name of ['llama-deployment', 'llama-disaggregated', 'small']) await kube.request('DELETE', `${LLMD}/llmdeployments/${name}`);
    await kube.request('DELETE', `${LLMD}/inferencegateways/gw`);
    // Foreground deletion waits on the garbage collector's backoff between checks of the pools' dependents: tens of seconds.
    await eventually('no LLMDeployment left (finalizers released)', async () => (await list(`${LLMD}/llmdeployments`)).length === 0, 90000);
    // The finalizer held each LLMDeployment until its pools' pods were gone (its GPUs free).
    expect(await list(`/api/v1/namespaces/${NS}/pods`, 'llm-d.io/deployment')).toEqual([]);
    await eventually('no child left', async () => {
      const left = [
        ...(await list(`${LLMD}/servingpools`)),
        ...(await list(`/apis/apps/v1/namespaces/${NS}/deployments`)),
        ...(await list(`/apis/apps/v1/namespaces/${NS}/replicasets`)),
        ...(await list(`/api/v1/namespaces/${NS}/pods`)),
        ...(await list(`/api/v1/namespaces/${NS}/services`, MANAGED)),
        ...(await list(`/api/v1/namespaces/${NS}/configmaps`, MANAGED)),
        ...(await list(`/api/v1/namespaces/${NS}/serviceaccounts`, MANAGED)),
        ...(await list(`/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/roles`, MANAGED)),
        ...(await list(`/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/rolebindings`, MANAGED)),
        ...(await list(`/apis/inference.networking.k8s.io/v1/namespaces/${NS}/inferencepools`)),
      ];
      return left.length === 0;
    }, 90000);
  }, 200000);

  it('a leader whose lease is taken stops reconciling and exits, for a fresh process to rejoin', async () => {
    const leader = operators.find((o) => o.identity === 'op-b')!;
    const leasePath = `/apis/coordination.k8s.io/v1/namespaces/${LEASE_NS}/leases/llmd-operator`;
    const lease = await get(leasePath);
    const now = new Date().toISOString().replace('Z', '000Z');
    await kube.request('PUT', leasePath, { ...lease, spec: { ...lease.spec, holderIdentity: 'intruder', renewTime: now, acquireTime: now, leaseDurationSeconds: 60 } });
    const code = await new Promise<number | null>((resolve) => (leader.child.exitCode !== null ? resolve(leader.child.exitCode) : leader.child.once('exit', (c) => resolve(c))));
    expect(code).toBe(1);
    expect(leader.logs.join('')).toMatch(/leadership lost/);
  }, 40000);

  /** The real InferencePool CRD when the repository carries it (.llmd/k8s/crds), else a minimal v1 one. */
  async function installInferencePoolCrd(): Promise<void> {
    const real = join(REPO_ROOT, '.llmd', 'k8s', 'crds');
    const file = existsSync(real) ? readdirSync(real).find((f) => /inferencepools?\.ya?ml$/i.test(f)) : undefined;
    const crd = file
      ? (parseAllDocuments(readFileSync(join(real, file), 'utf8')).map((d) => d.toJS() as Obj).find((d) => d?.kind === 'CustomResourceDefinition') as Obj)
      : {
          apiVersion: 'apiextensions.k8s.io/v1',
          kind: 'CustomResourceDefinition',
          metadata: { name: 'inferencepools.inference.networking.k8s.io' },
          spec: {
            group: 'inference.networking.k8s.io',
            scope: 'Namespaced',
            names: { kind: 'InferencePool', plural: 'inferencepools', singular: 'inferencepool', listKind: 'InferencePoolList' },
            versions: [{ name: 'v1', served: true, storage: true, subresources: { status: {} }, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } } }],
          },
        };
    await applyYaml('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
  }

  /**
   * Relaxes the LLMDeployment CRD's schema (as an older or hand-edited CRD would be) so that an object
   * the operator's schema refuses gets in; returns the restore.
   */
  async function relaxLLMDeploymentSchema(): Promise<() => Promise<void>> {
    const crdPath = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/llmdeployments.llm-d.io';
    const crd = await get(crdPath);
    const strict = JSON.parse(JSON.stringify(crd)) as Obj;
    const open = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
    for (const v of crd.spec?.versions ?? []) v.schema = { openAPIV3Schema: { type: 'object', properties: { spec: open, status: open } } };
    await kube.request('PUT', crdPath, crd);
    return async () => {
      const current = await get(crdPath);
      await kube.request('PUT', crdPath, { ...strict, metadata: { ...strict.metadata, resourceVersion: (current.metadata as { resourceVersion?: string }).resourceVersion } });
    };
  }
});
