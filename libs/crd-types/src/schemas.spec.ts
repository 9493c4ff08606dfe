// The examples in deploy/examples parse through the zod schemas (the brief's two unchanged), defaults
// come out as the CRDs declare them, and every CEL rule's TypeScript twin refuses what the rule does,
// with the same message.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { KINDS } from './kinds';
import { cachePolicySpec, schedulingPolicySpec } from './policies';
import { inferenceGatewaySpec } from './inference-gateway';
import { llmDeploymentSpec } from './llm-deployment';
import { servingPoolSpec } from './serving-pool';
import { condition } from './common';

const root = join(__dirname, '..', '..', '..');
const example = (f: string) => parse(readFileSync(join(root, 'deploy/examples', f), 'utf8')) as { apiVersion: string; kind: string; spec: unknown };
const messages = (r: z.ZodSafeParseResult<unknown>) => (r.success ? [] : r.error.issues.map((i) => i.message));

const unified = (extra: Record<string, unknown> = {}) => ({ model: { name: 'm' }, ...extra });
const disaggregated = (serving: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ model: { name: 'm' }, serving: { mode: 'disaggregated', ...serving }, ...extra });
const pool = { replicas: 1 };

describe('the examples', () => {
  const files = readdirSync(join(root, 'deploy/examples')).filter((f) => f.endsWith('.yaml'));

  it('cover every kind but ServingPool (the operator makes those)', () => {
    expect(new Set(files.map((f) => example(f).kind))).toEqual(new Set(KINDS.map((k) => k.kind).filter((k) => k !== 'ServingPool')));
  });

  it.each(files)('%s parses', (f) => {
    const obj = example(f);
    expect(obj.apiVersion).toBe('llm-d.io/v1alpha1');
    const kind = KINDS.find((k) => k.kind === obj.kind)!;
    expect(messages(kind.spec.safeParse(obj.spec))).toEqual([]);
  });

  it('the basic deployment: unified, 3 pods of one nvidia.com/gpu, defaults filled', () => {
    expect(llmDeploymentSpec.parse(example('llama-deployment.yaml').spec)).toEqual({
      model: { name: 'meta-llama/Llama-2-7b-hf', runtime: 'vllm' },
      serving: { mode: 'unified', replicas: 3 },
      resources: { gpu: 'nvidia.com/gpu', count: 1, memory: '40Gi' },
      simulated: false,
    });
  });

  it('the disaggregated deployment: gpu as a count, three cache tiers', () => {
    const spec = llmDeploymentSpec.parse(example('llama-disaggregated.yaml').spec);
    expect(spec.serving).toEqual({
      mode: 'disaggregated',
      prefill: { replicas: 2, resources: { gpu: 2, memory: '80Gi' } },
      decode: { replicas: 6, resources: { gpu: 1, memory: '40Gi' } },
    });
    expect(spec.cache?.tiers?.map((t) => `${t.type}=${t.size}`)).toEqual(['gpu=40Gi', 'cpu=500Gi', 'ssd=2Ti']);
  });

  it('the autoscaled deployment: serving-level autoscaling, each pool its own, defaults filled', () => {
    const spec = llmDeploymentSpec.parse(example('llama-autoscaled.yaml').spec);
    expect(spec.serving.autoscaling).toEqual({ policy: 'saturation', minReplicas: 1, maxReplicas: 4, scaleToZero: false, startupSeconds: 120 });
    expect(spec.serving.prefill?.autoscaling).toMatchObject({ policy: 'slo', slo: { ttftMs: 500, itlMs: 50, percentile: 90 } });
    expect(spec.serving.decode?.autoscaling).toMatchObject({ policy: 'predictive', minReplicas: 2, predictive: { basePolicy: 'slo', seasonSeconds: 86400 } });
  });

  it('quantities as Kubernetes takes them: a whole number is read as its string', () => {
    expect(llmDeploymentSpec.parse(unified({ resources: { cpu: 8, memory: '40Gi' } })).resources).toEqual({ cpu: '8', memory: '40Gi' });
    expect(messages(llmDeploymentSpec.safeParse(unified({ resources: { cpu: 1.5 } })))).not.toEqual([]);
  });

  it('defaults of the other kinds', () => {
    expect(inferenceGatewaySpec.parse({ deployments: [{ name: 'a' }] })).toEqual({ deployments: [{ name: 'a' }], gateway: { replicas: 1, port: 8000 }, scheduler: { replicas: 1 }, failureMode: 'FailOpen' });
    expect(cachePolicySpec.parse({})).toEqual({ eviction: 'lru', prefixDeduplication: true, blockSize: 16, hashAlgorithm: 'sha256_cbor', kvEvents: { enabled: true, port: 5557 } });
    expect(llmDeploymentSpec.parse({ model: { name: 'm' } }).serving).toEqual({ mode: 'unified' });
  });
});


describe('validation (zod, with the CRD rules\' messages)', () => {
  it.each<[string, z.ZodType, unknown, RegExp]>([
    ['disaggregated without decode', llmDeploymentSpec, disaggregated({ prefill: pool }), /disaggregated mode needs both serving.prefill and serving.decode/],
    ['serving.replicas in disaggregated mode', llmDeploymentSpec, disaggregated({ prefill: pool, decode: pool, replicas: 2 }), /serving.replicas is for unified mode/],
    ['prefill in unified mode', llmDeploymentSpec, unified({ serving: { mode: 'unified', prefill: pool } }), /serving.prefill and serving.decode are for disaggregated mode/],
    ['spec.resources in disaggregated mode', llmDeploymentSpec, disaggregated({ prefill: pool, decode: pool }, { resources: { gpu: 1 } }), /spec.resources is for unified mode/],
    ['a numeric gpu with count', llmDeploymentSpec, unified({ resources: { gpu: 2, count: 1 } }), /count is only set when gpu names a resource/],
    ['a gpu resource name without a domain', llmDeploymentSpec, unified({ resources: { gpu: 'gpu' } }), /must be an extended resource name/],
    ['a bad quantity', llmDeploymentSpec, unified({ resources: { memory: '40 GB' } }), /must be a Kubernetes quantity/],
    ['an unknown mode', llmDeploymentSpec, unified({ serving: { mode: 'split' } }), /Invalid option/],
    ['duplicate tier types', llmDeploymentSpec, unified({ cache: { tiers: [{ type: 'gpu', size: '1Gi' }, { type: 'gpu', size: '2Gi' }] } }), /each tier type \(gpu, cpu, ssd\) may appear once/],
    ['a path on a gpu tier', cachePolicySpec, { tiers: [{ type: 'gpu', size: '1Gi', path: '/x' }] }, /path is only for the ssd tier/],
    ['a missing model name', llmDeploymentSpec, { model: {} }, /expected string/],
    ['an unknown field', llmDeploymentSpec, unified({ replicas: 3 }), /Unrecognized key: "replicas"/],
    ['both strategy and plugins', schedulingPolicySpec, { strategy: 'load-balanced', plugins: [{ type: 'queue-depth-scorer' }] }, /set exactly one of strategy and plugins/],
    ['neither strategy nor plugins', schedulingPolicySpec, {}, /set exactly one of strategy and plugins/],
    ['a gateway listing a deployment twice', inferenceGatewaySpec, { deployments: [{ name: 'a' }, { name: 'a' }] }, /Duplicate value: name "a"/],
    ['a pool with an unknown role', servingPoolSpec, { deployment: 'd', role: 'both', model: 'm', replicas: 1, template: {} }, /Invalid option/],
    ['serving.autoscaling with minReplicas 0 and no scaleToZero', llmDeploymentSpec, unified({ serving: { autoscaling: { minReplicas: 0, maxReplicas: 2 } } }), /minReplicas 0 needs scaleToZero: true/],
    ['a decode pool whose autoscaling has min over max', llmDeploymentSpec, disaggregated({ prefill: pool, decode: { replicas: 1, autoscaling: { minReplicas: 3, maxReplicas: 2 } } }), /minReplicas must not exceed maxReplicas/],
    ['a pool whose slo autoscaling has no targets', servingPoolSpec, { deployment: 'd', role: 'decode', model: 'm', replicas: 1, template: {}, autoscaling: { policy: 'slo', maxReplicas: 2 } }, /the slo policy \(and predictive over slo\) needs slo targets/],
    ['a condition with a date that is not RFC 3339', condition, { type: 'Ready', status: 'True', lastTransitionTime: 'yesterday', reason: 'Ok', message: '' }, /datetime/],
  ])('refuses %s', (_name, schema, value, message) => {
    expect(messages(schema.safeParse(value)).join('\n')).toMatch(message);
  });

  it.each<[string, z.ZodType, unknown]>([
    ['gpu as a resource name with a count', llmDeploymentSpec, unified({ resources: { gpu: 'nvidia.com/gpu', count: 4 } })],
    ['gpu as a count', llmDeploymentSpec, unified({ resources: { gpu: 2 } })],
    ['count alone (of nvidia.com/gpu)', llmDeploymentSpec, unified({ resources: { count: 2 } })],
    ['an ssd tier with its path', llmDeploymentSpec, unified({ cache: { tiers: [{ type: 'ssd', size: '2Ti', path: '/mnt/kv' }] } })],
    ['explicit plugins', schedulingPolicySpec, { plugins: [{ type: 'precise-prefix-cache-scorer', weight: 2, parameters: { blockSize: 16 } }] }],
    ['a pool with any pod template', servingPoolSpec, { deployment: 'd', role: 'decode', model: 'm', replicas: 0, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [] } } }],
    ['a pool with autoscaling', servingPoolSpec, { deployment: 'd', role: 'decode', model: 'm', replicas: 1, template: {}, autoscaling: { maxReplicas: 4 } }],
    ['scale to zero', llmDeploymentSpec, unified({ serving: { autoscaling: { minReplicas: 0, scaleToZero: true, maxReplicas: 2 } } })],
    ['a condition with an offset', condition, { type: 'Ready', status: 'True', lastTransitionTime: '2026-12-03T19:00:00+01:00', reason: 'Ok', message: '' }],
  ])('accepts %s', (_name, schema, value) => {
    expect(messages(schema.safeParse(value))).toEqual([]);
  });
});
