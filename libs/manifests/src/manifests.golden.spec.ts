// Golden YAML of the rendered manifests: the brief's two examples, an autoscaled deployment, a
// simulated deployment with policies, and an InferenceGateway. UPDATE_GOLDEN=1 rewrites the files
// under __golden__.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify, parseAllDocuments } from 'yaml';
import { desiredLLMDeployment } from './llm-deployment.render';
import { desiredServingPool } from './serving-pool.render';
import { desiredInferenceGateway } from './inference-gateway.render';
import { CTX, llmDeployment, cachePolicy, inferenceGateway, schedulingPolicy, servingPool } from './testing/fixtures';
import type { Obj } from './types';

const DIR = join(__dirname, '__golden__');
const EXAMPLES = join(__dirname, '..', '..', '..', 'deploy', 'examples');

async function example(file: string) {
  const docs = parseAllDocuments(await readFile(join(EXAMPLES, file), 'utf8'));
  return docs[0].toJS() as { metadata: Record<string, unknown>; spec: unknown };
}

function render(objects: unknown[]): string {
  return objects.map((o) => stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
}

async function golden(name: string, objects: unknown[]): Promise<void> {
  const text = render(objects);
  const file = join(DIR, `${name}.yaml`);
  if (process.env.UPDATE_GOLDEN === '1') {
    await writeFile(file, text);
    return;
  }
  const want = await readFile(file, 'utf8').catch(() => `(missing ${file}: run with UPDATE_GOLDEN=1)`);
  expect(text).toBe(want);
}

/** The ServingPools and the Deployments they run (as the operator would create them). */
function withDeployments(objects: Obj[]): Obj[] {
  const out: Obj[] = [];
  for (const o of objects) {
    out.push(o);
    if (o.kind === 'ServingPool') {
      const pool = servingPool({ ...o, metadata: { ...o.metadata, uid: `uid-pool-${o.metadata.name}` } });
      out.push(desiredServingPool(pool));
    }
  }
  return out;
}

describe('golden manifests', () => {
  const gateway = inferenceGateway({ metadata: { name: 'main' }, spec: { deployments: [{ name: 'llama-deployment' }, { name: 'llama-disaggregated' }] } });

  it('the brief\'s unified example (llama-deployment)', async () => {
    const d = llmDeployment(await example('llama-deployment.yaml'));
    const out = desiredLLMDeployment(CTX, { deployment: d, gateway, existingPools: [] });
    expect(out.problems).toEqual([]);
    await golden('llama-deployment', withDeployments(out.objects));
  });

  it('the brief\'s disaggregated example (llama-disaggregated)', async () => {
    const d = llmDeployment(await example('llama-disaggregated.yaml'));
    const out = desiredLLMDeployment(CTX, { deployment: d, gateway, existingPools: [] });
    expect(out.problems).toEqual([]);
    await golden('llama-disaggregated', withDeployments(out.objects));
  });

  it('an autoscaled disaggregated deployment: each pool carries its effective autoscaling', async () => {
    const d = llmDeployment(await example('llama-autoscaled.yaml'));
    const out = desiredLLMDeployment(CTX, { deployment: d, existingPools: [] });
    expect(out.problems).toEqual([]);
    expect(out.scale).toEqual([]);
    await golden('llama-autoscaled', withDeployments(out.objects));
  });

  it('a simulated data-parallel deployment with a CachePolicy (preload, replay port) and LoRA', async () => {
    const cp = cachePolicy({ metadata: { name: 'warm' }, spec: { blockSize: 64, kvEvents: { port: 5557, replayPort: 5567 }, tiers: [{ type: 'cpu', size: '8Gi' }], preload: [{ prompt: 'You are a helpful assistant.' }] } });
    const d = llmDeployment({
      metadata: { name: 'qwen-sim' },
      spec: {
        model: { name: 'Qwen/Qwen3-0.6B', uri: 'hf://Qwen/Qwen3-0.6B', loraAdapters: [{ name: 'sql', uri: 'pvc://adapters/sql-lora' }] },
        serving: { mode: 'unified', replicas: 2, parallelism: { tensor: 1, data: 2 } },
        cachePolicyRef: { name: 'warm' },
        simulated: true,
      },
    });
    const out = desiredLLMDeployment({ ...CTX, inferencePoolInstalled: false }, { deployment: d, cachePolicy: cp, existingPools: [] });
    expect(out.problems.map((p) => p.reason)).toEqual(['InferencePoolCRDMissing']);
    await golden('qwen-sim', withDeployments(out.objects));
  });

  it('an InferenceGateway with a SchedulingPolicy, a CachePolicy, auth and flow control, serving one deployment', async () => {
    const d = llmDeployment(await example('llama-disaggregated.yaml'));
    const g = inferenceGateway({
      metadata: { name: 'edge' },
      spec: {
        deployments: [{ name: 'llama-disaggregated' }],
        gateway: { replicas: 2, port: 8080, resources: { memory: '512Mi', cpu: '500m' } },
        scheduler: { replicas: 2 },
        authSecretRef: { name: 'tenant-keys' },
        schedulingPolicyRef: { name: 'affinity' },
        flowControl: { enabled: true, queueDepthThreshold: 8, kvCacheUsageThreshold: 0.9, maxQueueSize: 500, maxWaitMs: 10000, objectives: { batch: -1, chat: 10 } },
      },
    });
    const sp = schedulingPolicy({ metadata: { name: 'affinity' }, spec: { strategy: 'cache-affinity' } });
    const cp = cachePolicy({ metadata: { name: 'kv' }, spec: { blockSize: 16, maxIndexedBlocks: 5000000, kvEvents: { port: 5557, replayPort: 5558 } } });
    const out = desiredInferenceGateway(CTX, { gateway: g, deployments: [d], schedulingPolicy: sp, cachePolicy: cp });
    expect(out.problems).toEqual([]);
    await golden('inference-gateway', out.objects);
  });
});
