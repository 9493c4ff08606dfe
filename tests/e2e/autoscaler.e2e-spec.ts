// The autoscaler against a real kube-apiserver and a real Kafka: a ServingPool with spec.autoscaling
// and its pods (the test writes their Ready status, as a kubelet would), load snapshots on
// llmd.endpoint-load.v1 showing the pool short of KV cache. The built app (dist) decides and writes
// spec.replicas through the /scale subresource, as field manager llmd-autoscaler, and nothing else;
// its decisions reach llmd.scaling-decisions.v1, /debug/decisions and wva_desired_replicas. In
// recommend mode it writes nothing and still sets the gauge. One apiserver for the file.
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel, Producer } from 'kafkajs';
import { parseAllDocuments } from 'yaml';
import { decodePodCapacity, prefillPodCapacity } from '@llmd/autoscaling';
import { DIST, freePorts, REPO_ROOT } from '@llmd/cli';
import { costModelFor } from '@llmd/gpu-cost';
import { endpointLoadCodec, recordHeaders, requestMetricsCodec, scalingDecisionCodec, ScalingDecisionRecord, TOPICS } from '@llmd/telemetry';
import { waitForRecord } from '../support/kafka-records';
import { KubeApiServer, startKubeApiServer } from '../support/kube-apiserver';
import { until } from '../support/until';

const NS = 'llmd-autoscaler-e2e';
const POOLS = `/apis/llm-d.io/v1alpha1/namespaces/${NS}/servingpools`;

type ManagedField = { manager: string; operation: string; subresource?: string; fieldsV1?: Record<string, unknown> };
type Obj = {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; managedFields?: ManagedField[]; resourceVersion?: string; generation?: number };
  spec?: Record<string, unknown> & { replicas?: number; names?: { kind: string } };
  status?: Record<string, unknown> & { conditions?: { type: string; status: string }[] };
};

interface AutoscalerProcess {
  child: ChildProcess;
  opsPort: number;
  logs: string[];
}

describe('autoscaler (real kube-apiserver, real Kafka)', () => {
  let kube: KubeApiServer;
  let producer: Producer;
  const bootstrap = process.env.LLMD_E2E_KAFKA ?? '';
  const running: AutoscalerProcess[] = [];
  let feeding: NodeJS.Timeout | undefined;

  const get = (path: string) => kube.request('GET', path) as Promise<Obj>;
  const applyYaml = (collection: string, doc: Obj) => kube.request('PATCH', `${collection}/${doc.metadata.name}?fieldManager=kubectl&force=true`, doc, 'application/apply-patch+yaml');

  async function eventually(what: string, cond: () => Promise<boolean>, ms = 30000): Promise<void> {
    try {
      await until(cond, ms);
    } catch {
      throw new Error(`${what}: not within ${ms} ms\n${running.map((p) => p.logs.slice(-30).join('')).join('\n---\n')}`);
    }
  }

  const servingPool = (name: string, role: string, replicas: number, autoscaling: Record<string, unknown>): Obj => ({
    apiVersion: 'llm-d.io/v1alpha1',
    kind: 'ServingPool',
    metadata: { name, namespace: NS, labels: { team: 'inference' }, annotations: { note: 'left alone' } },
    spec: { deployment: 'llama', role, model: 'meta-llama/Llama-3.1-8B-Instruct', replicas, template: { metadata: { labels: { 'llm-d.io/pool': name } } }, autoscaling },
  });

  /** A pod of the pool, Ready as a kubelet would report it. */
  async function readyPod(pool: string, name: string): Promise<void> {
    await kube.request('POST', `/api/v1/namespaces/${NS}/pods`, { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { 'llm-d.io/pool': pool } }, spec: { containers: [{ name: 'vllm', image: 'vllm/vllm-openai:v0.11.0' }] } });
    const now = new Date().toISOString();
    await kube.request('PATCH', `/api/v1/namespaces/${NS}/pods/${name}/status`, { status: { phase: 'Running', podIP: '10.0.0.1', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] } }, 'application/merge-patch+json');
  }

  /** Load snapshots of these endpoints every 300 ms (the scheduler publishes them about as often). */
  function feedLoad(pool: string, endpointIds: string[], kvCacheUsage: number, waiting: number): void {
    if (feeding) clearInterval(feeding);
    const send = () => {
      const timestampUnixMs = Date.now();
      const messages = endpointIds.map((endpointId) => ({
        key: endpointId,
        headers: recordHeaders(endpointLoadCodec),
        value: endpointLoadCodec.encode({ endpointId, model: 'meta-llama/Llama-3.1-8B-Instruct', pool, role: 'decode', timestampUnixMs, healthy: true, waiting, running: 8, inFlight: 8, kvCacheUsage, prefixCacheHitRate: 0, promptTokensPerSecond: 0, generationTokensPerSecond: 0 }),
      }));
      void producer.send({ topic: TOPICS.endpointLoad, messages }).catch(() => undefined);
    };
    send();
    feeding = setInterval(send, 300);
  }

  async function startAutoscaler(mode: 'scale' | 'recommend', identity: string): Promise<AutoscalerProcess> {
    const [opsPort] = await freePorts(1);
    const child = spawn(process.execPath, [join(DIST, 'apps', 'autoscaler', 'src', 'main.js')], {
      env: {
        ...process.env,
        OTEL_TRACES_EXPORTER: 'none',
        LLMD_LOG_LEVEL: 'info',
        KUBECONFIG: kube.kubeconfig,
        LLMD_KAFKA_BROKERS: bootstrap,
        LLMD_AUTOSCALER_OPS_PORT: String(opsPort),
        LLMD_AUTOSCALER_DEBUG_ENABLED: 'true',
        LLMD_AUTOSCALER_ACTUATOR: 'kubernetes',
        LLMD_AUTOSCALER_MODE: mode,
        LLMD_AUTOSCALER_SYNC_SECONDS: '1',
        LLMD_AUTOSCALER_NAMESPACE: NS,
        LLMD_AUTOSCALER_IDENTITY: identity,
        LLMD_AUTOSCALER_LEADER_ELECTION_NAMESPACE: 'default',
        LLMD_AUTOSCALER_ENDPOINT_TTL_MS: '3000',
        LLMD_SHUTDOWN_GRACE_MS: '3000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const proc: AutoscalerProcess = { child, opsPort, logs: [] };
    const keep = (b: Buffer) => {
      proc.logs.push(b.toString());
      if (proc.logs.length > 2000) proc.logs.shift();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    running.push(proc);
    return proc;
  }

  async function stopAutoscaler(p: AutoscalerProcess): Promise<void> {
    if (p.child.exitCode !== null || p.child.signalCode !== null) return;
    const exited = new Promise((resolve) => p.child.once('exit', resolve));
    p.child.kill('SIGTERM');
    await exited;
  }

  const ops = (p: AutoscalerProcess, path: string) => fetch(`http://127.0.0.1:${p.opsPort}${path}`);
  const readiness = (p: AutoscalerProcess) => ops(p, '/readyz').then(async (r) => ({ status: r.status, body: (await r.json()) as { checks: Record<string, boolean> } }), () => undefined);
  const debugView = async (p: AutoscalerProcess) => (await (await ops(p, '/debug/decisions')).json()) as { actuator: string; mode: string; leading: boolean; seeding: boolean; pools: Record<string, ScalingDecisionRecord[]> };
  const decisions = async (p: AutoscalerProcess) => (await debugView(p)).pools;
  const gauge = async (p: AutoscalerProcess, name: string, labels: Record<string, string>) => {
    const text = await (await ops(p, '/metrics')).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
    return line === undefined ? undefined : Number(line.split(' ').pop());
  };
  /** The object without what any write changes (resourceVersion, managedFields, generation) and spec.replicas. */
  const unchangedPart = (o: Obj) => {
    const { resourceVersion: _rv, managedFields: _mf, generation: _g, ...metadata } = o.metadata;
    const { replicas: _r, ...spec } = o.spec ?? {};
    return { metadata, spec, status: o.status };
  };

  beforeAll(async () => {
    if (!existsSync(join(DIST, 'apps', 'autoscaler', 'src', 'main.js'))) throw new Error('dist/ is missing the autoscaler: run node tools/build.mjs');
    if (!bootstrap) throw new Error('LLMD_E2E_KAFKA is not set: the global setup did not run');
    producer = new Kafka({ clientId: 'llmd-e2e-autoscaler', brokers: [bootstrap], logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    kube = await startKubeApiServer();
    await kube.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    const crd = parseAllDocuments(readFileSync(join(REPO_ROOT, 'deploy', 'crds', 'llm-d.io_servingpools.yaml'), 'utf8')).map((d) => d.toJS() as Obj).find((d) => d?.kind === 'CustomResourceDefinition') as Obj;
    await applyYaml('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
    await eventually('the ServingPool CRD established', async () => ((await get(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`)).status?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True'));
  }, 120000);

  afterAll(async () => {
    if (feeding) clearInterval(feeding);
    for (const p of running) p.child.kill('SIGKILL');
    await producer?.disconnect();
    await kube?.stop();
  });

  it('scale mode: a pool short of KV cache gets one more replica, written through /scale by llmd-autoscaler alone', async () => {
    await applyYaml(POOLS, servingPool('llama-decode', 'decode', 2, { policy: 'saturation', minReplicas: 1, maxReplicas: 3 }));
    await readyPod('llama-decode', 'llama-decode-a');
    await readyPod('llama-decode', 'llama-decode-b');
    const before = await get(`${POOLS}/llama-decode`);

    const scaler = await startAutoscaler('scale', 'as-scale');
    // Ready only once the consumer is up and the informers have synced.
    await eventually('the autoscaler ready', async () => (await readiness(scaler))?.status === 200);
    expect((await readiness(scaler))!.body.checks).toMatchObject({ 'kafka-consumer': true, 'informers-synced': true });

    // A finished request served by one of its pods reaches the pool's autoscaler.
    const start = Date.now();
    const request = { requestId: 'r-1', model: 'meta-llama/Llama-3.1-8B-Instruct', tenant: '', startUnixMs: start, ttftMs: 120, itlMs: 20, e2eMs: 2000, promptTokens: 900, completionTokens: 95, cachedTokens: 0, decodeEndpoint: `${NS}/llama-decode-a`, prefillEndpoint: '', httpStatus: 200, errorCode: '', stream: true, failOpen: false, traceId: '', endpointPath: '/v1/chat/completions' };
    await producer.send({ topic: TOPICS.requestMetrics, messages: [{ key: request.decodeEndpoint, headers: recordHeaders(requestMetricsCodec), value: requestMetricsCodec.encode(request) }] });
    await eventually('the request recorded', async () => ((await gauge(scaler, 'llmd_autoscaler_request_records_total', { outcome: 'recorded' })) ?? 0) >= 1);

    // Both replicas unsaturated (KV < 0.8, queue < 5) with a mean spare KV of 0.05, below the 0.10 trigger.
    feedLoad('llama-decode', [`${NS}/llama-decode-a`, `${NS}/llama-decode-b`], 0.75, 1);
    await eventually('spec.replicas written', async () => (await get(`${POOLS}/llama-decode`)).spec?.replicas === 3);

    const after = await get(`${POOLS}/llama-decode`);
    expect(unchangedPart(after)).toEqual(unchangedPart(before));
    const mine = (after.metadata.managedFields ?? []).filter((m) => m.manager === 'llmd-autoscaler');
    expect(mine).toEqual([expect.objectContaining({ operation: 'Update', subresource: 'scale', fieldsV1: { 'f:spec': { 'f:replicas': {} } } })]);

    // The decision, on the topic (key namespace/pool) and in /debug/decisions, newest first.
    const { record, key } = await waitForRecord(bootstrap, scalingDecisionCodec, (d) => d.pool === 'llama-decode' && d.applied);
    expect(key).toBe(`${NS}/llama-decode`);
    expect(record).toMatchObject({ namespace: NS, role: 'decode', policy: 'saturation', currentReplicas: 2, desiredReplicas: 3, readyReplicas: 2, applied: true });
    expect(record.reason).toMatch(/^[a-z]+(-[a-z]+)*$/);
    expect(record.message.length).toBeGreaterThan(0);
    expect(await debugView(scaler)).toMatchObject({ actuator: 'kubernetes', mode: 'scale', leading: true });
    const listed = (await decisions(scaler))[`${NS}/llama-decode`];
    expect(listed.some((d) => d.applied && d.desiredReplicas === 3)).toBe(true);
    expect(listed.map((d) => d.timestampUnixMs)).toEqual([...listed.map((d) => d.timestampUnixMs)].sort((a, b) => b - a));

    // At its maxReplicas it stays there, and says so.
    const wva = { variant_name: 'llama-decode', namespace: NS, accelerator_type: 'unknown' };
    await eventually('desired and current at 3', async () => (await gauge(scaler, 'wva_current_replicas', wva)) === 3 && (await gauge(scaler, 'wva_desired_replicas', wva)) === 3);
    const settled = (await decisions(scaler))[`${NS}/llama-decode`][0];
    expect(settled).toMatchObject({ currentReplicas: 3, desiredReplicas: 3, applied: false });
    expect(settled.recommendedReplicas).toBeGreaterThanOrEqual(3);
    await eventually('the lease held by the writer', async () => (await get('/apis/coordination.k8s.io/v1/namespaces/default/leases/llmd-autoscaler')).spec?.holderIdentity === 'as-scale');
    await stopAutoscaler(scaler);
    expect((await get(`${POOLS}/llama-decode`)).spec?.replicas).toBe(3);
  });

  it('recommend mode: the same shortage sets wva_desired_replicas and writes nothing', async () => {
    await applyYaml(POOLS, servingPool('qwen-decode', 'decode', 1, { policy: 'saturation', minReplicas: 1, maxReplicas: 4, acceleratorType: 'H100' }));
    await readyPod('qwen-decode', 'qwen-decode-a');
    const before = await get(`${POOLS}/qwen-decode`);

    const recommender = await startAutoscaler('recommend', 'as-recommend');
    await eventually('the recommender ready', async () => (await readiness(recommender))?.status === 200);
    feedLoad('qwen-decode', [`${NS}/qwen-decode-a`], 0.78, 2);
    await eventually('wva_desired_replicas above the current 1', async () => ((await gauge(recommender, 'wva_desired_replicas', { variant_name: 'qwen-decode', namespace: NS, accelerator_type: 'H100' })) ?? 0) >= 2);
    const recommended = (await decisions(recommender))[`${NS}/qwen-decode`];
    expect(recommended[0]).toMatchObject({ currentReplicas: 1, applied: false });
    expect(recommended[0].desiredReplicas).toBeGreaterThanOrEqual(2);
    // It decided after reading the retained requests (the first test's among them) into its history.
    expect(await debugView(recommender)).toMatchObject({ mode: 'recommend', leading: true, seeding: false });

    const after = await get(`${POOLS}/qwen-decode`);
    expect(after.spec?.replicas).toBe(1);
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect((after.metadata.managedFields ?? []).some((m) => m.manager === 'llmd-autoscaler')).toBe(false);
    const { record } = await waitForRecord(bootstrap, scalingDecisionCodec, (d) => d.pool === 'qwen-decode');
    expect(record.applied).toBe(false);
    await stopAutoscaler(recommender);
  });

  it('slo and predictive: a P/D pair sized from the finished requests by the capacity model, prefill and decode separately', async () => {
    const slo = { ttftMs: 500, itlMs: 20 };
    await applyYaml(POOLS, servingPool('pd-decode', 'decode', 1, { policy: 'slo', minReplicas: 1, maxReplicas: 6, slo }));
    await applyYaml(POOLS, servingPool('pd-prefill', 'prefill', 1, { policy: 'predictive', minReplicas: 1, maxReplicas: 6, slo }));
    await readyPod('pd-decode', 'pd-decode-a');
    await readyPod('pd-prefill', 'pd-prefill-a');
    const scaler = await startAutoscaler('scale', 'as-slo');
    await eventually('the autoscaler ready', async () => (await readiness(scaler))?.status === 200);
    await eventually('history read', async () => (await debugView(scaler)).seeding === false);

    // 100 req/s of 1000-token prompts and 200-token answers, each through both pools, at latencies
    // within target; one pod of either holds less than that (the tables' figures below).
    const mix = { promptTokens: 1000, cachedTokens: 0, outputTokens: 200 };
    const cost = costModelFor('llama-3-8b');
    const targets = { ...slo, percentile: 90, ttftCorrection: 1, itlCorrection: 1 };
    const perDecodePod = decodePodCapacity(cost, mix, targets).ratePerPod;
    const perPrefillPod = prefillPodCapacity(cost, mix, targets).ratePerPod;
    expect(perDecodePod).toBeLessThan(100);
    expect(perPrefillPod).toBeLessThan(100);
    let n = 0;
    const send = () => {
      const end = Date.now();
      const messages = Array.from({ length: 20 }, () => {
        const r = { requestId: `slo-${n++}`, model: 'meta-llama/Llama-3.1-8B-Instruct', tenant: '', startUnixMs: end - 4000, ttftMs: 150, itlMs: 15, e2eMs: 4000, promptTokens: mix.promptTokens, completionTokens: mix.outputTokens, cachedTokens: 0, decodeEndpoint: `${NS}/pd-decode-a`, prefillEndpoint: `${NS}/pd-prefill-a`, httpStatus: 200, errorCode: '', stream: true, failOpen: false, traceId: '', endpointPath: '/v1/chat/completions' };
        return { key: r.decodeEndpoint, headers: recordHeaders(requestMetricsCodec), value: requestMetricsCodec.encode(r) };
      });
      void producer.send({ topic: TOPICS.requestMetrics, messages }).catch(() => undefined);
    };
    const requests = setInterval(send, 200);
    feedLoad('pd-decode', [`${NS}/pd-decode-a`], 0.3, 0);
    try {
      await eventually('both pools scaled up', async () => ((await get(`${POOLS}/pd-decode`)).spec?.replicas ?? 1) > 1 && ((await get(`${POOLS}/pd-prefill`)).spec?.replicas ?? 1) > 1, 60000);
    } finally {
      clearInterval(requests);
    }
    const pools = await decisions(scaler);
    // the first write of each (decisions are newest first)
    const decode = pools[`${NS}/pd-decode`].filter((d) => d.applied).at(-1)!;
    const prefill = pools[`${NS}/pd-prefill`].filter((d) => d.applied).at(-1)!;
    expect(decode).toMatchObject({ role: 'decode', policy: 'slo', currentReplicas: 1 });
    expect(prefill).toMatchObject({ role: 'prefill', policy: 'predictive', currentReplicas: 1 });
    // Each sized on its own phase: the decode pool by ITL, the prefill pool by TTFT, from the same requests.
    expect(decode.inputs.ratePerPod).toBeCloseTo(perDecodePod, 6);
    expect(prefill.inputs.ratePerPod).toBeCloseTo(perPrefillPod, 6);
    for (const d of [decode, prefill]) {
      expect(d.recommendedReplicas).toBe(Math.ceil(d.inputs.demandRate / d.inputs.ratePerPod - 1e-9));
      expect(d.desiredReplicas).toBeGreaterThan(1);
      expect(d.inputs.demandRate).toBeGreaterThan(d.inputs.ratePerPod); // more than one pod of its phase holds
    }
    await stopAutoscaler(scaler);
  });
});
