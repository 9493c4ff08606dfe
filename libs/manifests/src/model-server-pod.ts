// The pod template of one pool: the vLLM (or vllm-sim) container(s) with their ports, env, volumes,
// resources and probes, the preload container when the CachePolicy lists prompts, placement.
import { MODELS_ANNOTATION, modelServerSelector, POOL_LABEL, ROLE_LABEL, standardLabels, MODEL_SERVER_COMPONENT } from './meta';
import { GIB, quantityBytes } from './quantity';
import { LORA_MOUNT, MODEL_CACHE_MOUNT, MODEL_MOUNT, resolveSource } from './model-source';
import { schedulerRole, type CachePlan, type PoolPlan } from './pool-plan';
import { DEFAULT_SSD_PATH, HTTP_PORT, lmcacheEnv, NIXL_SIDE_CHANNEL_PORT, simArgs, vllmArgs, type ArgsInput } from './vllm-args';
import type { LLMDeploymentObject, Obj, RenderContext } from './types';

type Json = Obj[string];

/** Long enough for a large model to download and load: 15 s + 180 x 10 s = about 30 minutes. */
const STARTUP_PROBE = { httpGet: { path: '/health', port: HTTP_PORT }, initialDelaySeconds: 15, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 180 };
const LIVENESS_PROBE = { httpGet: { path: '/health', port: HTTP_PORT }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 };
/** /v1/models answers once the model is served, as llm-d's guides probe readiness. */
const READINESS_PROBE = { httpGet: { path: '/v1/models', port: HTTP_PORT }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3 };

export const PRELOAD_MARKER = '/tmp/llmd-preloaded';

export interface PodInput {
  ctx: RenderContext;
  deployment: LLMDeploymentObject;
  pool: PoolPlan;
  cache: CachePlan;
}

function portName(base: string, rank: number): string {
  return rank === 0 ? base : `${base}-r${rank}`;
}

function ports(input: PodInput, ranks: number[]): Json[] {
  const { cache } = input;
  const out: Json[] = [];
  for (const r of ranks) {
    out.push({ name: portName('http', r), containerPort: HTTP_PORT + r, protocol: 'TCP' });
    if (cache.prefixCaching && cache.kvEvents.enabled) {
      out.push({ name: portName('kv-events', r), containerPort: cache.kvEvents.port + r, protocol: 'TCP' });
      // cache-manager finds the replay socket by this name (@llmd/platform's kvReplayPortName).
      if (cache.kvEvents.replayPort !== undefined) out.push({ name: portName('kv-replay', r), containerPort: cache.kvEvents.replayPort + r, protocol: 'TCP' });
    }
  }
  if (input.deployment.spec.serving.mode === 'disaggregated' && ranks.includes(0)) out.push({ name: 'nixl', containerPort: NIXL_SIDE_CHANNEL_PORT, protocol: 'TCP' });
  return out;
}

/** The model and its adapters as vLLM is given them, with the volumes they need. */
function sources(d: LLMDeploymentObject) {
  const model = resolveSource(d.spec.model.uri, d.spec.model.name, 'model-storage', MODEL_MOUNT);
  const loras = (d.spec.model.loraAdapters ?? []).map((l, i) => ({ name: l.name, ...resolveSource(l.uri, l.name, `lora-${i}`, `${LORA_MOUNT}/${l.name}`) }));
  return { model, loras };
}

function env(input: PodInput): Json[] {
  const { deployment: d, pool, cache } = input;
  const out: Json[] = [
    { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
    { name: 'HF_HOME', value: MODEL_CACHE_MOUNT },
    // Block hashes must not depend on a per-process seed (only the builtin hash uses it).
    { name: 'PYTHONHASHSEED', value: '0' },
  ];
  const token = d.spec.model.hfTokenSecretRef;
  if (token) out.push({ name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: token.name, key: token.key } } });
  if (d.spec.serving.mode === 'disaggregated') {
    out.push(
      { name: 'VLLM_NIXL_SIDE_CHANNEL_HOST', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'VLLM_NIXL_SIDE_CHANNEL_PORT', value: String(NIXL_SIDE_CHANNEL_PORT) },
    );
  }
  if (!d.spec.simulated) out.push(...lmcacheEnv(cache, pool.data));
  const overridden = new Set(pool.env.map((e) => e.name));
  return [...out.filter((e) => !overridden.has((e as { name: string }).name)), ...pool.env];
}

/**
 * Requests and limits: the GPUs in both (extended resources must be), memory in both, CPU requested.
 * A cpu KV tier lives in the container's memory, so its size is added to `memory` (which is vLLM's
 * own host memory): the brief's 80Gi prefill pod with a 500Gi cpu tier asks for 580Gi.
 */
function resources(pool: PoolPlan, cache: CachePlan, simulated: boolean): Json {
  if (simulated) return { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } };
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  if (pool.gpus && pool.gpus.count > 0) requests[pool.gpus.resource] = limits[pool.gpus.resource] = String(pool.gpus.count);
  const cpuTier = cache.tiers.find((t) => t.type === 'cpu');
  if (pool.memory && cpuTier) requests.memory = limits.memory = `${Math.ceil((quantityBytes(pool.memory) + quantityBytes(cpuTier.size)) / GIB)}Gi`;
  else if (pool.memory) requests.memory = limits.memory = pool.memory;
  else if (cpuTier) requests.memory = cpuTier.size;
  if (pool.cpu) requests.cpu = pool.cpu;
  return { requests, limits };
}

/** A container that sends the CachePolicy's preload prompts once the server answers, then is ready (so the pod is Ready only after its prefix cache is warm). */
function preloadContainer(input: PodInput, image: string, servedName: string, loraNames: string[]): Json | undefined {
  const prompts = input.cache.preload.filter((p) => p.model === undefined || p.model === servedName || loraNames.includes(p.model));
  if (prompts.length === 0) return undefined;
  const requests = prompts.map((p) => ({ model: p.model ?? servedName, prompt: p.prompt, max_tokens: 1 }));
  const base = `http://127.0.0.1:${HTTP_PORT}`;
  const script = input.deployment.spec.simulated
    ? [
        `const reqs = ${JSON.stringify(requests)};`,
        `const wait = (ms) => new Promise((r) => setTimeout(r, ms));`,
        `(async () => { for (;;) { try { if ((await fetch('${base}/health')).ok) break; } catch {} await wait(2000); }`,
        `for (const r of reqs) await fetch('${base}/v1/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(r) }).catch(() => undefined);`,
        `require('fs').writeFileSync('${PRELOAD_MARKER}', 'ok'); setInterval(() => undefined, 1 << 30); })();`,
      ].join('\n')
    : [
        'import json, time, urllib.request',
        `reqs = json.loads(${JSON.stringify(JSON.stringify(requests))})`,
        'while True:',
        '    try:',
        `        urllib.request.urlopen('${base}/health', timeout=5); break`,
        '    except Exception:',
        '        time.sleep(2)',
        'for r in reqs:',
        '    try:',
        `        urllib.request.urlopen(urllib.request.Request('${base}/v1/completions', data=json.dumps(r).encode(), headers={'content-type': 'application/json'}), timeout=600)`,
        '    except Exception:',
        '        pass',
        `open('${PRELOAD_MARKER}', 'w').write('ok')`,
        'while True:',
        '    time.sleep(3600)',
      ].join('\n');
  return {
    name: 'preload',
    image,
    command: input.deployment.spec.simulated ? ['node', '-e', script] : ['python3', '-c', script],
    resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '128Mi' } },
    readinessProbe: { exec: { command: ['cat', PRELOAD_MARKER] }, periodSeconds: 5 },
  };
}

/** Labels of the pool's pods: the standard ones, the pool (Deployment selector), the deployment, the role the scheduler reads. */
export function poolPodLabels(d: LLMDeploymentObject, pool: PoolPlan): Record<string, string> {
  return {
    ...standardLabels({ name: d.spec.simulated ? 'vllm-sim' : 'vllm', instance: d.metadata.name, component: MODEL_SERVER_COMPONENT }),
    ...modelServerSelector(d.metadata.name),
    [POOL_LABEL]: pool.name,
    [ROLE_LABEL]: schedulerRole(pool.role),
  };
}

/** The core/v1 PodTemplateSpec of one pool. */
export function modelServerPodTemplate(input: PodInput): Json {
  const { ctx, deployment: d, pool, cache } = input;
  const simulated = d.spec.simulated;
  const image = d.spec.image ?? (simulated ? ctx.images.vllmSim : ctx.images.vllm);
  const servedName = d.spec.model.name;
  const { model, loras } = sources(d);
  const argsInput: ArgsInput = {
    pool,
    cache,
    modelPath: model.path,
    servedName,
    revision: d.spec.model.revision ?? model.revision,
    maxModelLen: d.spec.model.maxModelLen,
    loras: loras.map((l) => ({ name: l.name, path: l.path })),
    disaggregated: d.spec.serving.mode === 'disaggregated',
    simTokenizer: simulated ? ctx.simTokenizer?.(servedName) : undefined,
  };
  const ssd = cache.tiers.find((t) => t.type === 'ssd');
  const volumes: Json[] = [
    { name: 'shm', emptyDir: { medium: 'Memory', sizeLimit: simulated ? '256Mi' : '8Gi' } },
    { name: 'model-cache', emptyDir: {} },
    ...model.volumes,
    ...loras.flatMap((l) => l.volumes),
  ];
  const mounts: Json[] = [
    { name: 'shm', mountPath: '/dev/shm' },
    { name: 'model-cache', mountPath: MODEL_CACHE_MOUNT },
    ...model.mounts,
    ...loras.flatMap((l) => l.mounts),
  ];
  if (ssd && !simulated) {
    volumes.push({ name: 'kv-cache', emptyDir: { sizeLimit: ssd.size } });
    mounts.push({ name: 'kv-cache', mountPath: ssd.path ?? DEFAULT_SSD_PATH });
  }
  const containerEnv = env(input);
  const probes = { startupProbe: STARTUP_PROBE, readinessProbe: READINESS_PROBE, livenessProbe: LIVENESS_PROBE };
  // vllm-sim serves one rank per process: a data-parallel pod runs one container per rank, on the same ports vLLM's ranks use.
  const containers: Json[] = simulated
    ? Array.from({ length: pool.data }, (_, rank) => ({
        name: rank === 0 ? 'vllm' : `vllm-rank-${rank}`,
        image,
        args: simArgs(argsInput, rank),
        env: containerEnv,
        ports: ports(input, [rank]),
        resources: resources(pool, cache, true),
        volumeMounts: mounts,
        ...(rank === 0 ? probes : {}),
      }))
    : [
        {
          name: 'vllm',
          image,
          command: ['vllm', 'serve'],
          args: vllmArgs(argsInput),
          env: containerEnv,
          ports: ports(input, Array.from({ length: pool.data }, (_, r) => r)),
          resources: resources(pool, cache, false),
          volumeMounts: mounts,
          ...probes,
        },
      ];
  const preload = preloadContainer(input, image, servedName, loras.map((l) => l.name));
  if (preload) containers.push(preload);
  const spec: Record<string, Json> = {
    containers,
    volumes,
    // Let in-flight streams finish: vLLM drains on SIGTERM.
    terminationGracePeriodSeconds: 90,
  };
  if (pool.nodeSelector) spec.nodeSelector = pool.nodeSelector;
  if (pool.tolerations) spec.tolerations = pool.tolerations;
  const modelNames = [servedName, ...loras.map((l) => l.name)];
  return {
    metadata: { labels: poolPodLabels(d, pool), annotations: { [MODELS_ANNOTATION]: modelNames.join(',') } },
    spec,
  };
}
