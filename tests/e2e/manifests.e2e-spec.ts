// Every object libs/manifests renders, checked by a real kube-apiserver: created with
// ?dryRun=All&fieldValidation=Strict (an unknown or misplaced field, a wrong type or an invalid value
// fails), after installing the llm-d.io CRDs (deploy/crds when present) and the InferencePool v1 CRD
// of the pinned Gateway API Inference Extension.
// The rendered service configs are loaded with the built services' own config schemas, and the
// vllm-sim command lines with the built simulator's own argument parser.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { DIST } from '@llmd/cli';
import { loadConfig } from '@llmd/platform';
import {
  desiredInferenceGateway,
  desiredLLMDeployment,
  desiredServingPool,
  parseCachePolicy,
  parseInferenceGateway,
  parseLLMDeployment,
  parseSchedulingPolicy,
  parseServingPool,
  type Obj,
  type RenderContext,
} from '@llmd/manifests';
import { startKubeApiServer, KubeApiServer } from '../support/kube-apiserver';
import { until } from '../support/until';

const ROOT = join(__dirname, '..', '..');
const NS = 'llm';
const CTX: RenderContext = {
  namespace: NS,
  images: { vllm: 'vllm/vllm-openai:v0.11.0', vllmSim: 'llmd/vllm-sim:dev', gateway: 'llmd/gateway:dev', scheduler: 'llmd/scheduler:dev', cacheManager: 'llmd/cache-manager:dev' },
  kafka: { brokers: ['kafka.llm.svc:9092'] },
  inferencePoolInstalled: true,
};

function must<T>(p: { ok: true; value: T } | { ok: false; message: string }): T {
  if (!p.ok) throw new Error(p.message);
  return p.value;
}

function example(file: string): Record<string, unknown> {
  const doc = parseAllDocuments(readFileSync(join(ROOT, 'deploy', 'examples', file), 'utf8'))[0].toJS() as Record<string, unknown>;
  return { ...doc, metadata: { ...(doc.metadata as object), namespace: NS, uid: `uid-${(doc.metadata as { name: string }).name}`, generation: 1 } };
}

function meta(name: string, uid = `uid-${name}`) {
  return { name, namespace: NS, uid, generation: 1 };
}

/**
 * The ServingPool CRD when deploy/crds is not generated yet: the crd-types schema written out by hand
 * (the template is a PodTemplateSpec kept as is, as in the generated CRD).
 */
function llmdCrdsForTest(): Record<string, unknown>[] {
  const str = { type: 'string' };
  return [
    {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'servingpools.llm-d.io' },
      spec: {
        group: 'llm-d.io',
        scope: 'Namespaced',
        names: { kind: 'ServingPool', plural: 'servingpools', singular: 'servingpool', shortNames: ['spool'], listKind: 'ServingPoolList' },
        versions: [
          {
            name: 'v1alpha1',
            served: true,
            storage: true,
            subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' } },
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  apiVersion: str,
                  kind: str,
                  metadata: { type: 'object' },
                  spec: {
                    type: 'object',
                    required: ['deployment', 'role', 'model', 'replicas', 'template'],
                    properties: {
                      deployment: { type: 'string', minLength: 1 },
                      role: { type: 'string', enum: ['unified', 'prefill', 'decode'] },
                      model: { type: 'string', minLength: 1 },
                      replicas: { type: 'integer', minimum: 0, maximum: 10000 },
                      template: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                    },
                  },
                  status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                },
              },
            },
          },
        ],
      },
    },
  ];
}

const PLURALS: Record<string, string> = {
  Service: 'services',
  ConfigMap: 'configmaps',
  ServiceAccount: 'serviceaccounts',
  Deployment: 'deployments',
  Role: 'roles',
  RoleBinding: 'rolebindings',
  ServingPool: 'servingpools',
  InferencePool: 'inferencepools',
};

function collection(o: Obj): string {
  const plural = PLURALS[o.kind];
  if (!plural) throw new Error(`no plural for ${o.kind}`);
  const base = o.apiVersion === 'v1' ? '/api/v1' : `/apis/${o.apiVersion}`;
  return `${base}/namespaces/${o.metadata.namespace}/${plural}`;
}

/** The rendered objects, plus the Deployment each ServingPool runs (as the operator applies it once the pool exists). */
function withPoolDeployments(objects: Obj[]): Obj[] {
  return objects.flatMap((o) => (o.kind === 'ServingPool' ? [o, desiredServingPool(must(parseServingPool({ ...o, metadata: { ...o.metadata, uid: `uid-pool-${o.metadata.name}` } })))] : [o]));
}

describe('rendered manifests against a real kube-apiserver', () => {
  let kube: KubeApiServer;
  const tmp = mkdtempSync(join(tmpdir(), 'llmd-manifests-'));
  const rendered: { name: string; objects: Obj[] }[] = [];

  beforeAll(async () => {
    kube = await startKubeApiServer();
    await kube.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    const crdDir = join(ROOT, 'deploy', 'crds');
    const crds = existsSync(crdDir)
      ? readdirSync(crdDir).filter((f) => f.endsWith('.yaml')).map((f) => parseYaml(readFileSync(join(crdDir, f), 'utf8')) as Record<string, unknown>)
      : llmdCrdsForTest();
    // The real InferencePool CRD of the pinned Gateway API Inference Extension (tools/k8s/inference-extension).
    const inferencePool = join(ROOT, '.llmd', 'k8s', 'crds', 'inference.networking.k8s.io_inferencepools.yaml');
    if (!existsSync(inferencePool)) throw new Error(`${inferencePool} is missing: run tools/k8s/build.sh`);
    for (const crd of [...crds, parseYaml(readFileSync(inferencePool, 'utf8')) as Record<string, unknown>]) {
      await kube.request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
    }
    // Established, and served: a dry-run create of each kind answers (404 until discovery has it).
    for (const path of [`/apis/llm-d.io/v1alpha1/namespaces/${NS}/servingpools`, `/apis/inference.networking.k8s.io/v1/namespaces/${NS}/inferencepools`]) {
      await until(() => kube.request('GET', path).then(() => true, () => false), 30000);
    }

    const gateway = must(parseInferenceGateway({ kind: 'InferenceGateway', metadata: meta('main'), spec: { deployments: [{ name: 'llama-deployment' }, { name: 'llama-disaggregated' }], authSecretRef: { name: 'keys' }, flowControl: { enabled: true } } }));
    const unified = must(parseLLMDeployment(example('llama-deployment.yaml')));
    const disagg = must(parseLLMDeployment(example('llama-disaggregated.yaml')));
    rendered.push({ name: 'llama-deployment', objects: withPoolDeployments(desiredLLMDeployment(CTX, { deployment: unified, gateway, existingPools: [] }).objects) });
    rendered.push({ name: 'llama-disaggregated', objects: withPoolDeployments(desiredLLMDeployment(CTX, { deployment: disagg, gateway, existingPools: [] }).objects) });
    const cp = must(parseCachePolicy({ kind: 'CachePolicy', metadata: meta('warm'), spec: { blockSize: 64, kvEvents: { port: 5557, replayPort: 5567 }, tiers: [{ type: 'cpu', size: '8Gi' }, { type: 'ssd', size: '100Gi', path: '/scratch/kv' }], preload: [{ prompt: 'You are a helpful assistant.' }] } }));
    const simulated = must(parseLLMDeployment({
      kind: 'LLMDeployment',
      metadata: meta('qwen-sim'),
      spec: {
        model: { name: 'Qwen/Qwen3-0.6B', uri: 'pvc://models/qwen3', hfTokenSecretRef: { name: 'hf' }, loraAdapters: [{ name: 'sql', uri: 'hf://acme/sql-lora' }], maxModelLen: 8192 },
        serving: { mode: 'disaggregated', prefill: { replicas: 1, parallelism: { tensor: 1, data: 2 } }, decode: { replicas: 2, env: [{ name: 'LLMD_LOG_LEVEL', value: 'debug' }], tolerations: [{ key: 'gpu', operator: 'Exists', effect: 'NoSchedule' }], nodeSelector: { pool: 'cpu' } } },
        cachePolicyRef: { name: 'warm' },
        simulated: true,
      },
    }));
    rendered.push({ name: 'qwen-sim', objects: withPoolDeployments(desiredLLMDeployment(CTX, { deployment: simulated, cachePolicy: cp, gateway, existingPools: [] }).objects) });
    const real = must(parseLLMDeployment({ ...example('llama-deployment.yaml'), metadata: meta('qwen-real'), spec: { model: { name: 'Qwen/Qwen3-0.6B', uri: 'pvc://models/qwen3' }, serving: { replicas: 1, parallelism: { tensor: 2, data: 2 } }, resources: { gpu: 'nvidia.com/gpu', count: 4, memory: '64Gi', cpu: '16' }, cachePolicyRef: { name: 'warm' } } }));
    rendered.push({ name: 'qwen-real (DP, cpu + ssd tiers)', objects: withPoolDeployments(desiredLLMDeployment(CTX, { deployment: real, cachePolicy: cp, gateway, existingPools: [] }).objects) });
    const sp = must(parseSchedulingPolicy({ kind: 'SchedulingPolicy', metadata: meta('mine'), spec: { plugins: [{ type: 'queue-depth-scorer', weight: 2 }, { type: 'precise-prefix-cache-scorer', name: 'prefix', weight: 3 }] } }));
    const igw = must(parseInferenceGateway({ kind: 'InferenceGateway', metadata: meta('main'), spec: { deployments: [{ name: 'llama-deployment' }, { name: 'llama-disaggregated' }], authSecretRef: { name: 'keys' }, schedulingPolicyRef: { name: 'mine' }, flowControl: { enabled: true, objectives: { batch: -1 } } } }));
    rendered.push({ name: 'InferenceGateway', objects: desiredInferenceGateway(CTX, { gateway: igw, deployments: [unified, disagg], schedulingPolicy: sp, cachePolicy: cp }).objects });
    // The same gateway with the operator's gRPC mutual TLS: the configs must load with the services' schemas too.
    const igwTls = must(parseInferenceGateway({ kind: 'InferenceGateway', metadata: meta('main-tls'), spec: { deployments: [{ name: 'llama-deployment' }] } }));
    rendered.push({ name: 'InferenceGateway (gRPC mTLS)', objects: desiredInferenceGateway({ ...CTX, grpcTls: { secretName: 'llmd-grpc-tls', requireClientCert: true } }, { gateway: igwTls, deployments: [unified] }).objects });
  }, 180000);

  afterAll(async () => {
    await kube?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('renders every kind it should', () => {
    const kinds = new Set(rendered.flatMap((r) => r.objects.map((o) => o.kind)));
    expect([...kinds].sort()).toEqual(['ConfigMap', 'Deployment', 'InferencePool', 'Role', 'RoleBinding', 'Service', 'ServiceAccount', 'ServingPool']);
  });

  it('the apiserver accepts every rendered object (dry run, strict field validation)', async () => {
    const failures: string[] = [];
    let checked = 0;
    for (const r of rendered) {
      for (const o of r.objects) {
        checked++;
        try {
          const created = await kube.request('POST', `${collection(o)}?dryRun=All&fieldValidation=Strict`, o);
          expect((created.metadata as { name: string }).name).toBe(o.metadata.name);
        } catch (err) {
          failures.push(`${r.name}: ${o.kind} ${o.metadata.name}: ${(err as Error).message}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(30);
  });

  it('strict validation is on: an unknown field in a pod template is refused', async () => {
    const pool = rendered[0].objects.find((o) => o.kind === 'Deployment')!;
    const bad = JSON.parse(JSON.stringify(pool)) as { spec: { template: { spec: { containers: Record<string, unknown>[] } } } };
    bad.spec.template.spec.containers[0].gpus = 1;
    await expect(kube.request('POST', `${collection(pool)}?dryRun=All&fieldValidation=Strict`, bad)).rejects.toThrow(/unknown field/);
  });

  it('the real InferencePool CRD is installed: a Service endpoint picker without a port is refused by its CEL rule', async () => {
    const pool = rendered[0].objects.find((o) => o.kind === 'InferencePool')!;
    const bad = JSON.parse(JSON.stringify(pool)) as { spec: { endpointPickerRef: Record<string, unknown> } };
    delete bad.spec.endpointPickerRef.port;
    await expect(kube.request('POST', `${collection(pool)}?dryRun=All&fieldValidation=Strict`, bad)).rejects.toThrow(/port is required when kind is 'Service'/);
  });

  it("the services' configs load with the built services' own schemas", () => {
    const configs = rendered.flatMap((r) => r.objects).filter((o): o is Obj & { data: Record<string, string> } => o.kind === 'ConfigMap');
    const schemas: Record<string, { module: string; schema: string; env: string }> = {
      gateway: { module: 'apps/gateway/src/config.js', schema: 'gatewayConfigSchema', env: 'GATEWAY_ENV' },
      scheduler: { module: 'apps/scheduler/src/config.js', schema: 'schedulerConfigSchema', env: 'SCHEDULER_ENV' },
      'cache-manager': { module: 'apps/cache-manager/src/config.js', schema: 'cacheManagerConfigSchema', env: 'CACHE_MANAGER_ENV' },
    };
    expect(configs).toHaveLength(6);
    for (const cm of configs) {
      const component = cm.metadata.labels!['app.kubernetes.io/component'];
      const s = schemas[component];
      const mod = require(join(DIST, s.module)) as Record<string, unknown>;
      const file = join(tmp, `${component}.yaml`);
      writeFileSync(file, cm.data['config.yaml']);
      const loaded = loadConfig(mod[s.schema] as z.ZodType, { envMap: mod[s.env] as Record<string, string>, env: { LLMD_CONFIG: file } }) as Record<string, unknown>;
      // Nothing the render wrote was dropped as unknown by the service.
      for (const key of Object.keys(parseYaml(cm.data['config.yaml']) as object)) expect(loaded).toHaveProperty(key);
    }
  });

  it("vllm-sim accepts the simulated pods' command lines", () => {
    const { parseSimArgs } = require(join(DIST, 'apps', 'vllm-sim', 'src', 'sim-args.js')) as { parseSimArgs: (argv: string[]) => { port: number; kvEventsConfig?: { endpoint: string } } };
    const pools = rendered.find((r) => r.name === 'qwen-sim')!.objects.filter((o) => o.kind === 'ServingPool');
    const lines = pools.flatMap((p) => ((p.spec as { template: { spec: { containers: { name: string; args?: string[] }[] } } }).template.spec.containers.filter((c) => c.name.startsWith('vllm'))));
    expect(lines.length).toBe(3);
    for (const c of lines) {
      const parsed = parseSimArgs(c.args!);
      const rank = parsed.port - 8000;
      expect(parsed.kvEventsConfig?.endpoint).toBe(`tcp://*:${5557 + rank}`);
    }
  });
});
