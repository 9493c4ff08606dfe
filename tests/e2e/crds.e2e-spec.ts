// The generated llm-d.io CRDs against a real kube-apiserver (and etcd): they install and become
// Established; every example applies unchanged and reads back with the defaults zod fills; invalid
// objects are refused with the schema's own messages, and zod refuses the same ones; the ServingPool
// scale subresource, the printer columns and the status subresource behave as Kubernetes' own.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { parse } from 'yaml';
import { z } from 'zod';
import { crdManifests, KINDS } from '@llmd/crd-types';
import { startKubeApiServer, KubeApiServer } from '../support/kube-apiserver';
import { until } from '../support/until';

const ROOT = join(__dirname, '..', '..');
const NS = 'crds';
const API = `/apis/llm-d.io/v1alpha1/namespaces/${NS}`;
type Obj = { apiVersion: string; kind: string; metadata: Record<string, unknown>; spec?: Record<string, unknown>; status?: Record<string, unknown> };
const EXAMPLES = readdirSync(join(ROOT, 'deploy/examples')).filter((f) => f.endsWith('.yaml'));
const example = (file: string) => parse(readFileSync(join(ROOT, 'deploy/examples', file), 'utf8')) as Obj;
const kindOf = (kind: string) => KINDS.find((k) => k.kind === kind)!;

/** The message of the apiserver's refusal (its Status object's), or '' when the request succeeded. */
async function refusal(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => '',
    (err: Error) => {
      const body = err.message.slice(err.message.indexOf('{'));
      return body.startsWith('{') ? String((JSON.parse(body) as { message: string }).message) : err.message;
    },
  );
}
const zodRefusal = (schema: z.ZodType, value: unknown) => {
  const r = schema.safeParse(value);
  return r.success ? '' : r.error.issues.map((i) => i.message).join('\n');
};

describe('llm-d.io CRDs (real kube-apiserver)', () => {
  let kube: KubeApiServer;
  const create = (obj: Obj, query = 'fieldValidation=Strict') => kube.request('POST', `${API}/${kindOf(obj.kind).plural}?${query}`, obj) as Promise<Obj>;
  /** Server-side apply, as `kubectl apply --server-side` sends it. */
  const apply = (obj: Obj) =>
    kube.request('PATCH', `${API}/${kindOf(obj.kind).plural}/${obj.metadata.name}?fieldManager=kubectl&fieldValidation=Strict`, obj, 'application/apply-patch+yaml') as Promise<Obj>;

  beforeAll(async () => {
    kube = await startKubeApiServer();
    await kube.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    // The files of deploy/crds, as `kubectl apply --server-side -f deploy/crds/` sends them.
    for (const file of readdirSync(join(ROOT, 'deploy/crds')).filter((f) => f.endsWith('.yaml'))) {
      const crd = parse(readFileSync(join(ROOT, 'deploy/crds', file), 'utf8')) as Obj;
      await kube.request('PATCH', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}?fieldManager=kubectl&fieldValidation=Strict`, crd, 'application/apply-patch+yaml');
    }
    await until(async () => {
      const list = await kube.request('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions');
      const items = list.items as { status?: { conditions?: { type: string; status: string }[] } }[];
      return items.length === KINDS.length && items.every((i) => i.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True'));
    }, 30000);
    // Established is set before the discovery and the REST handlers serve the kinds.
    await until(async () => {
      const ok = await Promise.all(KINDS.map((k) => kube.request('GET', `${API}/${k.plural}`).then(() => true, () => false)));
      return ok.every(Boolean);
    }, 30000);
  });

  afterAll(async () => {
    await kube?.stop();
  });

  it('are accepted as they are: structural, with status, scale, printer columns, short names and category as generated', async () => {
    const generated = new Map(crdManifests().map((c) => [c.metadata.name, c]));
    for (const k of KINDS) {
      const crd = (await kube.request('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${k.plural}.llm-d.io`)) as {
        spec: { versions: { subresources: unknown; additionalPrinterColumns: unknown }[] } & Record<string, unknown>;
        status: { conditions: { type: string; status: string }[] };
      };
      expect(crd.status.conditions.find((c) => c.type === 'NonStructuralSchema')).toBeUndefined();
      expect(crd.spec).toMatchObject(generated.get(`${k.plural}.llm-d.io`)!.spec);
      expect(crd.spec.versions[0].subresources).toEqual(k.scale ? { status: {}, scale: k.scale } : { status: {} });
      expect(crd.spec.versions[0].additionalPrinterColumns).toEqual(k.printerColumns);
    }
    // Discovery, which kubectl reads for short names and categories.
    const discovery = (await kube.request('GET', '/apis/llm-d.io/v1alpha1')) as { resources: { name: string; namespaced: boolean; shortNames?: string[]; categories?: string[] }[] };
    for (const k of KINDS) {
      expect(discovery.resources.find((r) => r.name === k.plural)).toMatchObject({ namespaced: true, shortNames: k.shortNames, categories: ['llmd'] });
    }
    expect(discovery.resources.map((r) => r.name).sort()).toEqual(KINDS.flatMap((k) => [k.plural, `${k.plural}/status`, ...(k.scale ? [`${k.plural}/scale`] : [])]).sort());
  });

  it.each(EXAMPLES)('apply %s unchanged (server-side apply) and read back with the defaults zod fills', async (file) => {
    const obj = example(file);
    const stored = await apply(obj);
    expect(stored.spec).toEqual(kindOf(obj.kind).spec.parse(obj.spec));
    const got = (await kube.request('GET', `${API}/${kindOf(obj.kind).plural}/${obj.metadata.name}`)) as Obj;
    expect(got.spec).toEqual(stored.spec);
  });

  it('read the brief examples back as they mean: gpu as a resource name with a count, and as a count', async () => {
    const basic = (await kube.request('GET', `${API}/llmdeployments/llama-deployment`)) as Obj;
    expect(basic.spec).toMatchObject({ model: { name: 'meta-llama/Llama-2-7b-hf', runtime: 'vllm' }, serving: { mode: 'unified', replicas: 3 }, resources: { gpu: 'nvidia.com/gpu', count: 1, memory: '40Gi' }, simulated: false });
    const disaggregated = (await kube.request('GET', `${API}/llmdeployments/llama-disaggregated`)) as Obj;
    expect(disaggregated.spec?.serving).toEqual({ mode: 'disaggregated', prefill: { replicas: 2, resources: { gpu: 2, memory: '80Gi' } }, decode: { replicas: 6, resources: { gpu: 1, memory: '40Gi' } } });
  });

  it('fill the defaults of a minimal LLMDeployment: unified, vllm, not simulated', async () => {
    const stored = await create({ apiVersion: 'llm-d.io/v1alpha1', kind: 'LLMDeployment', metadata: { name: 'minimal' }, spec: { model: { name: 'm' } } });
    expect(stored.spec).toEqual({ model: { name: 'm', runtime: 'vllm' }, serving: { mode: 'unified' }, simulated: false });
  });

  const meta = (name: string) => ({ apiVersion: 'llm-d.io/v1alpha1', metadata: { name } });
  const llmd = (name: string, spec: Record<string, unknown>): Obj => ({ ...meta(name), kind: 'LLMDeployment', spec: { model: { name: 'm' }, ...spec } });
  const pool = { replicas: 1 };
  const disaggregated = (serving: Record<string, unknown>) => ({ serving: { mode: 'disaggregated', ...serving } });

  // [case, object, the apiserver's message, zod's message]: both refuse, each with the schema's message.
  it.each<[string, Obj, RegExp, RegExp]>([
    ['disaggregated without decode', llmd('bad-no-decode', disaggregated({ prefill: pool })), /disaggregated mode needs both serving.prefill and serving.decode/, /disaggregated mode needs both/],
    ['serving.replicas in disaggregated mode', llmd('bad-replicas', disaggregated({ prefill: pool, decode: pool, replicas: 2 })), /serving.replicas is for unified mode/, /serving.replicas is for unified mode/],
    ['prefill in unified mode', llmd('bad-prefill', { serving: { mode: 'unified', prefill: pool } }), /serving.prefill and serving.decode are for disaggregated mode/, /are for disaggregated mode/],
    ['spec.resources in disaggregated mode', llmd('bad-resources', { ...disaggregated({ prefill: pool, decode: pool }), resources: { memory: '1Gi' } }), /spec.resources is for unified mode/, /spec.resources is for unified mode/],
    ['a numeric gpu with count', llmd('bad-count', { resources: { gpu: 2, count: 1 } }), /count is only set when gpu names a resource; a numeric gpu is already the count/, /count is only set when gpu names a resource/],
    ['a gpu resource name without a domain', llmd('bad-gpu-name', { resources: { gpu: 'gpu' } }), /spec.resources.gpu in body should match/, /must be an extended resource name/],
    ['a negative gpu count', llmd('bad-gpu-negative', { resources: { gpu: -1 } }), /spec.resources.gpu in body should be greater than or equal to 0/, /expected number to be >=0/],
    ['a bad quantity', llmd('bad-quantity', { resources: { memory: '40 GB' } }), /spec.resources.memory in body should match/, /must be a Kubernetes quantity/],
    ['an unknown mode', llmd('bad-mode', { serving: { mode: 'split' } }), /Unsupported value: "split": supported values: "unified", "disaggregated"/, /Invalid option/],
    ['duplicate tier types', llmd('bad-tiers', { cache: { tiers: [{ type: 'gpu', size: '1Gi' }, { type: 'gpu', size: '2Gi' }] } }), /Duplicate value/, /Duplicate value: type "gpu"/],
    ['a path on the cpu tier', llmd('bad-tier-path', { cache: { tiers: [{ type: 'cpu', size: '1Gi', path: '/x' }] } }), /path is only for the ssd tier/, /path is only for the ssd tier/],
    ['a missing model.name', { ...meta('bad-model'), kind: 'LLMDeployment', spec: { model: { runtime: 'vllm' } } }, /spec.model.name: Required value/, /expected string, received undefined/],
    ['a LoRA adapter listed twice', llmd('bad-lora', { model: { name: 'm', loraAdapters: [{ name: 'a', uri: '/a' }, { name: 'a', uri: '/b' }] } }), /Duplicate value/, /Duplicate value: name "a"/],
    ['SchedulingPolicy with both strategy and plugins', { ...meta('bad-both'), kind: 'SchedulingPolicy', spec: { strategy: 'load-balanced', plugins: [{ type: 'queue-depth-scorer' }] } }, /set exactly one of strategy and plugins/, /set exactly one of strategy and plugins/],
    ['SchedulingPolicy with neither', { ...meta('bad-neither'), kind: 'SchedulingPolicy', spec: {} }, /set exactly one of strategy and plugins/, /set exactly one of strategy and plugins/],
    ['InferenceGateway listing a deployment twice', { ...meta('bad-gw'), kind: 'InferenceGateway', spec: { deployments: [{ name: 'a' }, { name: 'a' }] } }, /Duplicate value/, /Duplicate value: name "a"/],
    ['InferenceGateway with an unknown failure mode', { ...meta('bad-failure'), kind: 'InferenceGateway', spec: { deployments: [{ name: 'a' }], failureMode: 'Maybe' } }, /Unsupported value: "Maybe"/, /Invalid option/],
    ['CachePolicy with a KV events port out of range', { ...meta('bad-port'), kind: 'CachePolicy', spec: { kvEvents: { port: 70000 } } }, /spec.kvEvents.port in body should be less than or equal to 65535/, /expected number to be <=65535/],
    ['autoscaling with minReplicas 0 and no scaleToZero', llmd('bad-zero', { serving: { autoscaling: { minReplicas: 0, maxReplicas: 2 } } }), /minReplicas 0 needs scaleToZero: true/, /minReplicas 0 needs scaleToZero: true/],
    ['a decode pool autoscaled with min over max', llmd('bad-bounds', disaggregated({ prefill: pool, decode: { replicas: 1, autoscaling: { minReplicas: 3, maxReplicas: 2 } } })), /minReplicas must not exceed maxReplicas/, /minReplicas must not exceed maxReplicas/],
    ['a ServingPool on the slo policy without targets', { ...meta('bad-slo'), kind: 'ServingPool', spec: { deployment: 'd', role: 'decode', model: 'm', replicas: 1, template: {}, autoscaling: { policy: 'slo', maxReplicas: 2 } } }, /the slo policy \(and predictive over slo\) needs slo targets/, /needs slo targets/],
    ['an unknown field (fieldValidation=Strict)', llmd('bad-field', { replicas: 3 }), /strict decoding error: unknown field "spec.replicas"/, /Unrecognized key: "replicas"/],
  ])('refuse %s, as zod does', async (_name, obj, apiMessage, zodMessage) => {
    expect(await refusal(create(obj))).toMatch(apiMessage);
    expect(zodRefusal(kindOf(obj.kind).spec, obj.spec)).toMatch(zodMessage);
  });

  it.each<[string, Obj]>([
    ['gpu as a resource name with a count', llmd('ok-gpu-name', { resources: { gpu: 'amd.com/gpu', count: 4 } })],
    ['gpu as a count', llmd('ok-gpu-count', { resources: { gpu: 0 } })],
    ['count alone (of nvidia.com/gpu)', llmd('ok-count', { resources: { count: 2 } })],
    ['an ssd tier with its path', llmd('ok-ssd', { cache: { tiers: [{ type: 'ssd', size: '2Ti', path: '/mnt/kv' }] } })],
    ['a pvc model with LoRA adapters', llmd('ok-pvc', { model: { name: 'm', uri: 'pvc://models/llama', loraAdapters: [{ name: 'sql', uri: 'hf://org/sql-lora' }] } })],
    ['a unified pool scaled to zero, with behavior', llmd('ok-zero', { serving: { autoscaling: { minReplicas: 0, scaleToZero: true, maxReplicas: 3, behavior: { scaleDown: { stabilizationWindowSeconds: 60, policies: [{ type: 'Pods', value: 1, periodSeconds: 30 }] } } } } })],
    ['an autoscaled ServingPool', { ...meta('ok-pool-autoscaled'), kind: 'ServingPool', spec: { deployment: 'd', role: 'prefill', model: 'm', replicas: 2, template: {}, autoscaling: { policy: 'predictive', maxReplicas: 4, predictive: { basePolicy: 'saturation' } } } }],
    ['explicit plugins with any parameters', { ...meta('ok-plugins'), kind: 'SchedulingPolicy', spec: { plugins: [{ type: 'precise-prefix-cache-scorer', weight: 2, parameters: { blockSize: 16, nested: { a: [1] } } }] } }],
  ])('accept %s, as zod does, and store it as zod parses it', async (_name, obj) => {
    const stored = await create(obj);
    expect(zodRefusal(kindOf(obj.kind).spec, obj.spec)).toBe('');
    expect(stored.spec).toEqual(kindOf(obj.kind).spec.parse(obj.spec));
  });

  it('accept quantities as whole numbers, as Kubernetes does; zod reads them as strings', async () => {
    const obj = llmd('ok-numeric-quantity', { resources: { cpu: 8, memory: '40Gi' }, cache: { tiers: [{ type: 'cpu', size: 1073741824 }] } });
    const stored = await create(obj);
    expect(stored.spec).toMatchObject({ resources: { cpu: 8 }, cache: { tiers: [{ type: 'cpu', size: 1073741824 }] } });
    expect(kindOf('LLMDeployment').spec.parse(stored.spec)).toMatchObject({ resources: { cpu: '8' }, cache: { tiers: [{ type: 'cpu', size: '1073741824' }] } });
    expect(await refusal(create(llmd('bad-fractional-number', { resources: { cpu: 1.5 } })))).toMatch(/spec.resources.cpu: Invalid value: "number": spec.resources.cpu in body must be of type integer,string/);
    expect(zodRefusal(kindOf('LLMDeployment').spec, { model: { name: 'm' }, resources: { cpu: 1.5 } })).not.toBe('');
  });

  it('drop unknown fields without Strict field validation (pruning), as zod refuses them', async () => {
    const stored = await create(llmd('pruned', { serving: { mode: 'unified', replicas: 1, extra: true } }), 'fieldValidation=Ignore');
    expect(stored.spec?.serving).toEqual({ mode: 'unified', replicas: 1 });
  });

  describe('ServingPool subresources', () => {
    const POOL = `${API}/servingpools/llama-disaggregated-decode`;
    const SELECTOR = 'app.kubernetes.io/instance=llama-disaggregated,llm-d.ai/role=decode';
    const template = { metadata: { labels: { 'llm-d.ai/role': 'decode' } }, spec: { containers: [{ name: 'vllm', image: 'vllm/vllm-openai', args: ['--block-size', '16'] }] } };
    const get = () => kube.request('GET', POOL) as Promise<Obj & { metadata: { generation: number } }>;
    const merge = (path: string, body: unknown) => kube.request('PATCH', path, body, 'application/merge-patch+json') as Promise<Obj>;

    beforeAll(async () => {
      await create({ ...meta('llama-disaggregated-decode'), kind: 'ServingPool', spec: { deployment: 'llama-disaggregated', role: 'decode', model: 'meta-llama/Llama-2-70b-hf', replicas: 6, template } });
      // What the operator writes once the pool's Deployment reports.
      await merge(`${POOL}/status`, { status: { replicas: 6, readyReplicas: 4, updatedReplicas: 6, selector: SELECTOR } });
    });

    it('keep the pod template whole (unknown fields preserved)', async () => {
      expect((await get()).spec?.template).toEqual(template);
    });

    it('serve /scale from spec.replicas, status.replicas and status.selector', async () => {
      const scale = await kube.request('GET', `${POOL}/scale`);
      expect(scale).toMatchObject({ apiVersion: 'autoscaling/v1', kind: 'Scale', spec: { replicas: 6 }, status: { replicas: 6, selector: SELECTOR } });
    });

    it('write spec.replicas through PUT and PATCH of /scale, as an HPA or KEDA does', async () => {
      const before = await get();
      const scale = (await kube.request('GET', `${POOL}/scale`)) as { spec: { replicas: number } };
      await kube.request('PUT', `${POOL}/scale`, { ...scale, spec: { replicas: 9 } });
      const put = await get();
      expect(put.spec?.replicas).toBe(9);
      expect(put.metadata.generation).toBe(before.metadata.generation + 1);
      await merge(`${POOL}/scale`, { spec: { replicas: 3 } });
      expect((await get()).spec?.replicas).toBe(3);
    });

    it('refuse a scale beyond the schema bound with its message', async () => {
      expect(await refusal(merge(`${POOL}/scale`, { spec: { replicas: 20000 } }))).toMatch(/spec.replicas in body should be less than or equal to 10000/);
      expect((await get()).spec?.replicas).toBe(3);
    });

    it('refuse changing the immutable deployment and role', async () => {
      expect(await refusal(merge(POOL, { spec: { role: 'prefill' } }))).toMatch(/role is immutable/);
      expect(await refusal(merge(POOL, { spec: { deployment: 'other' } }))).toMatch(/deployment is immutable/);
    });

    it('ignore status on the main resource and spec on /status', async () => {
      const before = await get();
      await merge(POOL, { spec: { model: 'renamed' }, status: { readyReplicas: 42 } });
      const afterMain = await get();
      expect(afterMain.spec?.model).toBe('renamed');
      expect(afterMain.status?.readyReplicas).toBe(4);
      await merge(`${POOL}/status`, { spec: { model: 'from-status' }, status: { readyReplicas: 5 } });
      const afterStatus = await get();
      expect(afterStatus.spec?.model).toBe('renamed');
      expect(afterStatus.status?.readyReplicas).toBe(5);
      expect(afterStatus.metadata.generation).toBe(before.metadata.generation + 1); // the status write did not bump it
    });

    it('validate status writes: conditions as metav1.Condition', async () => {
      const ready = { type: 'Ready', status: 'True', reason: 'PodsReady', message: '5 of 5 ready', lastTransitionTime: new Date().toISOString(), observedGeneration: 1 };
      await merge(`${POOL}/status`, { status: { conditions: [ready] } });
      expect((await get()).status?.conditions).toEqual([ready]);
      expect(await refusal(merge(`${POOL}/status`, { status: { conditions: [{ ...ready, reason: 'not camel case' }] } }))).toMatch(/status.conditions\[0\].reason: Invalid value: "not camel case"/);
      expect(await refusal(merge(`${POOL}/status`, { status: { conditions: [{ ...ready, lastTransitionTime: 'yesterday' }] } }))).toMatch(/status.conditions\[0\].lastTransitionTime: Invalid value: "yesterday"/);
    });
  });

  describe('printer columns', () => {
    /** GET as `kubectl get` does: the apiserver renders the CRD's printer columns as a meta.k8s.io Table. */
    async function table(plural: string): Promise<{ columnDefinitions: { name: string; priority: number }[]; rows: { cells: unknown[] }[] }> {
      const config = parse(readFileSync(kube.kubeconfig, 'utf8')) as { users: { user: { token: string } }[] };
      const dispatcher = new Agent({ connect: { rejectUnauthorized: false } });
      try {
        const res = await fetch(`${kube.url}${API}/${plural}`, {
          headers: { authorization: `Bearer ${config.users[0].user.token}`, accept: 'application/json;as=Table;g=meta.k8s.io;v=v1' },
          dispatcher,
        });
        expect(res.status).toBe(200);
        return (await res.json()) as Awaited<ReturnType<typeof table>>;
      } finally {
        await dispatcher.close();
      }
    }

    it('list ServingPools with Deployment, Role, Desired and Ready', async () => {
      const t = await table('servingpools');
      expect(t.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Deployment', 'Role', 'Desired', 'Ready', 'Age']);
      // (The accepted autoscaled ServingPool above is listed too.)
      expect(t.rows.map((r) => r.cells.slice(0, 5)).filter((c) => c[0] === 'llama-disaggregated-decode')).toEqual([['llama-disaggregated-decode', 'llama-disaggregated', 'decode', 3, 5]]);
    });

    it('list LLMDeployments with Model, Mode and the Ready condition (Reason with -o wide)', async () => {
      const at = new Date().toISOString();
      await kube.request('PATCH', `${API}/llmdeployments/llama-deployment/status`, { status: { observedGeneration: 1, conditions: [{ type: 'Ready', status: 'False', reason: 'PodsNotReady', message: '0 of 3 ready', lastTransitionTime: at }] } }, 'application/merge-patch+json');
      const t = await table('llmdeployments');
      expect(t.columnDefinitions.map((c) => `${c.name}${c.priority ? '*' : ''}`)).toEqual(['Name', 'Model', 'Mode', 'Ready', 'Reason*', 'Age']);
      const row = t.rows.find((r) => r.cells[0] === 'llama-deployment')!;
      expect(row.cells.slice(0, 5)).toEqual(['llama-deployment', 'meta-llama/Llama-2-7b-hf', 'unified', 'False', 'PodsNotReady']);
    });

    it('list the policies and gateways with their own columns', async () => {
      expect((await table('schedulingpolicies')).rows.find((r) => r.cells[0] === 'cache-affinity')!.cells[1]).toBe('cache-affinity');
      expect((await table('cachepolicies')).rows.find((r) => r.cells[0] === 'default-cache')!.cells[1]).toBe(16);
      expect((await table('inferencegateways')).columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Endpoint', 'Ready', 'Age']);
    });
  });
});
