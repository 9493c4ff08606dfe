// The `vllm serve` command line of one pool (and the vllm-sim one, with only the flags it has), as
// llm-d's guides write them: KV events to the cache-manager, NIXL for P/D, prefix-cache hashing,
// parallelism, cache tiers, LoRA, then the user's own args last.
import { gib, quantityBytes } from './quantity';
import type { CachePlan, PoolPlan } from './pool-plan';

export const HTTP_PORT = 8000;
export const NIXL_SIDE_CHANNEL_PORT = 5600;
export const DEFAULT_SSD_PATH = '/kv-cache';

export interface ArgsInput {
  pool: PoolPlan;
  cache: CachePlan;
  /** The model as vLLM loads it (HF id or path). */
  modelPath: string;
  servedName: string;
  revision?: string;
  maxModelLen?: number;
  loras: { name: string; path: string }[];
  disaggregated: boolean;
  /** vllm-sim only: the tokenizer to stand in for the model's (RenderContext.simTokenizer). */
  simTokenizer?: string;
}

/** `tcp://*:<port>` endpoints; topic `kv@<pod IP>@<model>` as llm-d's precise-prefix guide (the cache-manager subscribes to every topic). */
export function kvEventsConfig(cache: CachePlan, servedName: string, rankOffset = 0): string {
  const c: Record<string, unknown> = {
    enable_kv_cache_events: true,
    publisher: 'zmq',
    endpoint: `tcp://*:${cache.kvEvents.port + rankOffset}`,
  };
  if (cache.kvEvents.replayPort !== undefined) c.replay_endpoint = `tcp://*:${cache.kvEvents.replayPort + rankOffset}`;
  c.topic = `kv@$(POD_IP)@${servedName}`;
  return JSON.stringify(c);
}

function tier(cache: CachePlan, type: 'gpu' | 'cpu' | 'ssd') {
  return cache.tiers.find((t) => t.type === type);
}

/**
 * The connector(s) of --kv-transfer-config. P/D: NixlConnector (kv_both). A cpu tier without ssd is
 * vLLM's native OffloadingConnector (composed with NIXL through MultiConnector in P/D, as llm-d's
 * multi-tier guide does); an ssd tier is LMCache (LMCacheConnectorV1, cpu + disk from its env).
 */
export function kvTransferConfig(input: Pick<ArgsInput, 'cache' | 'disaggregated' | 'pool'>): Record<string, unknown> | undefined {
  const nixl = { kv_connector: 'NixlConnector', kv_role: 'kv_both' };
  const ssd = tier(input.cache, 'ssd');
  const cpu = tier(input.cache, 'cpu');
  let offload: Record<string, unknown> | undefined;
  if (ssd) offload = { kv_connector: 'LMCacheConnectorV1', kv_role: 'kv_both' };
  else if (cpu && input.disaggregated) {
    // One OffloadingConnector per data-parallel engine: the pod's tier is split between them.
    offload = { kv_connector: 'OffloadingConnector', kv_role: 'kv_both', kv_connector_extra_config: { cpu_bytes_to_use: Math.floor(quantityBytes(cpu.size) / input.pool.data) } };
  }
  if (!input.disaggregated) return offload;
  if (!offload) return nixl;
  return { kv_connector: 'MultiConnector', kv_role: 'kv_both', kv_connector_extra_config: { connectors: [nixl, offload] } };
}

/**
 * The pod's port ranges must not overlap: HTTP 8000 + rank, KV events port + rank, replay port + rank
 * (vLLM and llmd's cache-manager add the rank to both), NIXL's side channel in P/D. A clash is the
 * message naming the field to change.
 */
export function portConflict(pool: PoolPlan, cache: CachePlan, disaggregated: boolean): string | undefined {
  const ranges: { what: string; from: number; count: number }[] = [{ what: 'the HTTP ports', from: HTTP_PORT, count: pool.data }];
  if (cache.prefixCaching && cache.kvEvents.enabled) {
    ranges.push({ what: 'kvEvents.port', from: cache.kvEvents.port, count: pool.data });
    if (cache.kvEvents.replayPort !== undefined) ranges.push({ what: 'kvEvents.replayPort', from: cache.kvEvents.replayPort, count: pool.data });
  }
  if (disaggregated) ranges.push({ what: 'the NIXL side channel', from: NIXL_SIDE_CHANNEL_PORT, count: 1 });
  for (const [i, a] of ranges.entries()) {
    for (const b of ranges.slice(i + 1)) {
      if (a.from < b.from + b.count && b.from < a.from + a.count) {
        const span = (r: typeof a) => (r.count > 1 ? `${r.from}-${r.from + r.count - 1}` : `${r.from}`);
        return `CachePolicy spec.${b.what.startsWith('kvEvents') ? b.what : a.what}: ${a.what} (${span(a)}) and ${b.what} (${span(b)}) overlap in pool ${pool.name} (${pool.data} data-parallel ranks)`;
      }
    }
  }
  return undefined;
}

/** Arguments after `vllm serve`. */
export function vllmArgs(input: ArgsInput): string[] {
  const { pool, cache } = input;
  const a: string[] = [input.modelPath, '--served-model-name', input.servedName, '--port', String(HTTP_PORT)];
  if (input.revision) a.push('--revision', input.revision);
  a.push('--tensor-parallel-size', String(pool.tensor));
  // Each data-parallel rank is its own endpoint on port 8000 + rank (llmd's scheduler targetPorts,
  // the cache-manager's kvEventsPort + rank): vLLM's multi-port external load balancing.
  if (pool.data > 1) a.push('--data-parallel-size', String(pool.data), '--data-parallel-multi-port-external-lb');
  a.push('--block-size', String(cache.blockSize));
  if (cache.prefixCaching) a.push('--enable-prefix-caching', '--prefix-caching-hash-algo', cache.hashAlgorithm);
  else a.push('--no-enable-prefix-caching');
  if (input.maxModelLen) a.push('--max-model-len', String(input.maxModelLen));
  if (cache.prefixCaching && cache.kvEvents.enabled) a.push('--kv-events-config', kvEventsConfig(cache, input.servedName));
  const transfer = kvTransferConfig(input);
  if (transfer) a.push('--kv-transfer-config', JSON.stringify(transfer));
  const gpu = tier(cache, 'gpu');
  // The gpu tier is the pod's KV cache: --kv-cache-memory-bytes is per GPU (it replaces --gpu-memory-utilization's sizing).
  if (gpu) a.push('--kv-cache-memory-bytes', String(Math.floor(quantityBytes(gpu.size) / (pool.tensor * pool.data))));
  const cpu = tier(cache, 'cpu');
  // Unified pods with a cpu tier (no ssd): vLLM's native offloading, the size per engine in GiB (summed over TP ranks).
  if (cpu && !tier(cache, 'ssd') && !input.disaggregated) a.push('--kv-offloading-backend', 'native', '--kv-offloading-size', String(gib(quantityBytes(cpu.size) / pool.data)));
  if (input.loras.length > 0) a.push('--enable-lora', '--max-loras', String(input.loras.length), '--lora-modules', ...input.loras.map((l) => `${l.name}=${l.path}`));
  return [...a, ...pool.args];
}

/** LMCache's environment for an ssd tier (its local CPU buffer and local disk), sizes in GB as LMCache takes them. */
export function lmcacheEnv(cache: CachePlan, data: number): { name: string; value: string }[] {
  const ssd = tier(cache, 'ssd');
  if (!ssd) return [];
  const cpu = tier(cache, 'cpu');
  const env = [
    { name: 'LMCACHE_CHUNK_SIZE', value: String(Math.max(cache.blockSize, 256)) },
    { name: 'LMCACHE_LOCAL_CPU', value: cpu ? 'True' : 'False' },
  ];
  if (cpu) env.push({ name: 'LMCACHE_MAX_LOCAL_CPU_SIZE', value: String(gib(quantityBytes(cpu.size) / data)) });
  env.push(
    { name: 'LMCACHE_LOCAL_DISK', value: `file://${ssd.path ?? DEFAULT_SSD_PATH}/` },
    { name: 'LMCACHE_MAX_LOCAL_DISK_SIZE', value: String(gib(quantityBytes(ssd.size) / data)) },
  );
  return env;
}

/** Arguments of one vllm-sim rank: vLLM's flags it has, on the same ports, publishing KV events the same way. */
export function simArgs(input: ArgsInput, rank: number): string[] {
  const { pool, cache } = input;
  const a: string[] = ['serve', input.modelPath, '--served-model-name', input.servedName, '--host', '0.0.0.0', '--port', String(HTTP_PORT + rank)];
  a.push('--block-size', String(cache.blockSize));
  a.push(cache.prefixCaching ? '--enable-prefix-caching' : '--no-enable-prefix-caching');
  if (input.maxModelLen) a.push('--max-model-len', String(input.maxModelLen));
  if (cache.prefixCaching && cache.kvEvents.enabled) a.push('--kv-events-config', kvEventsConfig(cache, input.servedName, rank));
  if (input.disaggregated) a.push('--kv-transfer-config', JSON.stringify({ kv_connector: 'NixlConnector', kv_role: 'kv_both' }));
  const cpu = tier(cache, 'cpu');
  if (cpu) a.push('--kv-offload-gib', String(gib(quantityBytes(cpu.size) / pool.data)));
  if (input.loras.length > 0) a.push('--enable-lora', '--max-loras', String(input.loras.length), '--lora-modules', ...input.loras.map((l) => `${l.name}=${l.path}`));
  if (input.simTokenizer) a.push('--tokenizer', input.simTokenizer);
  return [...a, ...pool.args];
}
