import { parseCachePolicy, parseInferenceGateway, parseLLMDeployment, parseSchedulingPolicy, parseServingPool } from './parse';

const meta = { name: 'x' };

describe('parse: an invalid object is a message naming the field', () => {
  it.each([
    ['not an object', parseLLMDeployment, 'nope', /not an object/],
    ['no name', parseLLMDeployment, { spec: { model: { name: 'm' } } }, /^metadata.name: required/],
    ['wrong kind', parseLLMDeployment, { kind: 'ServingPool', metadata: meta, spec: {} }, /^kind: expected LLMDeployment/],
    ['no model', parseLLMDeployment, { metadata: meta, spec: {} }, /^spec.model: /],
    ['bad uri', parseLLMDeployment, { metadata: meta, spec: { model: { name: 'm', uri: 's3://x' } } }, /^spec.model.uri: must be hf:\/\/org\/name/],
    ['bad quantity', parseLLMDeployment, { metadata: meta, spec: { model: { name: 'm' }, resources: { memory: 'lots' } } }, /^spec.resources.memory: must be a Kubernetes quantity/],
    ['unknown field', parseLLMDeployment, { metadata: meta, spec: { model: { name: 'm' }, replicas: 3 } }, /^spec: .*replicas/],
    ['disaggregated without decode', parseLLMDeployment, { metadata: meta, spec: { model: { name: 'm' }, serving: { mode: 'disaggregated', prefill: { replicas: 1 } } } }, /^spec.serving: disaggregated mode needs both/],
    ['replicas in disaggregated mode', parseLLMDeployment, { metadata: meta, spec: { model: { name: 'm' }, serving: { mode: 'disaggregated', replicas: 2, prefill: { replicas: 1 }, decode: { replicas: 1 } } } }, /^spec.serving: serving.replicas is for unified mode/],
    ['a pool in unified mode', parseLLMDeployment, { metadata: meta, spec: { model: { name: 'm' }, serving: { decode: { replicas: 1 } } } }, /^spec.serving: serving.prefill and serving.decode are for disaggregated mode/],
    ['count with a numeric gpu', parseLLMDeployment, { metadata: meta, spec: { model: { name: 'm' }, resources: { gpu: 2, count: 2 } } }, /^spec.resources: count is only set when gpu names a resource/],
    ['a tier twice', parseLLMDeployment, { metadata: meta, spec: { model: { name: 'm' }, cache: { tiers: [{ type: 'cpu', size: '1Gi' }, { type: 'cpu', size: '2Gi' }] } } }, /^spec.cache.tiers\[1\]: Duplicate value: type "cpu"/],
    ['resources in disaggregated mode', parseLLMDeployment, { metadata: meta, spec: { model: { name: 'm' }, resources: { gpu: 1 }, serving: { mode: 'disaggregated', prefill: { replicas: 1 }, decode: { replicas: 1 } } } }, /^spec: spec.resources is for unified mode/],
    ['a path on the cpu tier', parseLLMDeployment, { metadata: meta, spec: { model: { name: 'm' }, cache: { tiers: [{ type: 'cpu', size: '1Gi', path: '/x' }] } } }, /^spec.cache.tiers\[0\]: path is only for the ssd tier/],
    ['a pool role', parseServingPool, { metadata: meta, spec: { deployment: 'd', role: 'both', model: 'm', replicas: 1, template: {} } }, /^spec.role: /],
    ['gateway without deployments', parseInferenceGateway, { metadata: meta, spec: { deployments: [] } }, /^spec.deployments: /],
    ['gateway listing one twice', parseInferenceGateway, { metadata: meta, spec: { deployments: [{ name: 'a' }, { name: 'a' }] } }, /^spec.deployments\[1\]: Duplicate value: name "a"/],
    ['strategy and plugins', parseSchedulingPolicy, { metadata: meta, spec: { strategy: 'cache-affinity', plugins: [{ type: 'queue-depth-scorer' }] } }, /^spec: set exactly one of strategy and plugins/],
    ['unknown strategy', parseSchedulingPolicy, { metadata: meta, spec: { strategy: 'fastest' } }, /^spec.strategy: /],
    ['bad kv events port', parseCachePolicy, { metadata: meta, spec: { kvEvents: { port: 0 } } }, /^spec.kvEvents.port: /],
  ] as [string, (o: unknown) => { ok: boolean; message?: string }, unknown, RegExp][])('%s', (_, parse, obj, message) => {
    const r = parse(obj);
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(message);
  });

  it('a valid object comes back with defaults applied', () => {
    const r = parseLLMDeployment({ apiVersion: 'llm-d.io/v1alpha1', kind: 'LLMDeployment', metadata: meta, spec: { model: { name: 'm' } } });
    expect(r).toEqual({ ok: true, value: { apiVersion: 'llm-d.io/v1alpha1', kind: 'LLMDeployment', metadata: meta, spec: { model: { name: 'm', runtime: 'vllm' }, serving: { mode: 'unified' }, simulated: false } } });
  });
});
