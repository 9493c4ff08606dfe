import { cachePlan, poolPlans, type PoolPlan } from './pool-plan';
import { kvTransferConfig, lmcacheEnv, simArgs, vllmArgs, type ArgsInput } from './vllm-args';
import { cachePolicy, llmDeployment } from './testing/fixtures';

function input(spec: Record<string, unknown>, policySpec?: Record<string, unknown>, poolIndex = 0): ArgsInput {
  const d = llmDeployment({ metadata: { name: 'm' }, spec: { model: { name: 'org/m' }, ...spec } });
  const pool = (poolPlans(d) as PoolPlan[])[poolIndex];
  const policy = policySpec ? cachePolicy({ metadata: { name: 'p' }, spec: policySpec }) : undefined;
  return { pool, cache: cachePlan(d, policy), modelPath: 'org/m', servedName: 'org/m', loras: [], disaggregated: d.spec.serving.mode === 'disaggregated' };
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
}

const PD = { serving: { mode: 'disaggregated', prefill: { replicas: 1 }, decode: { replicas: 1 } } };

describe('vllmArgs', () => {
  it('the base command line, as llm-d guides write it', () => {
    expect(vllmArgs(input({}))).toEqual([
      'org/m', '--served-model-name', 'org/m', '--port', '8000', '--tensor-parallel-size', '1', '--block-size', '16',
      '--enable-prefix-caching', '--prefix-caching-hash-algo', 'sha256_cbor',
      '--kv-events-config', '{"enable_kv_cache_events":true,"publisher":"zmq","endpoint":"tcp://*:5557","topic":"kv@$(POD_IP)@org/m"}',
    ]);
  });

  it.each([
    ['prefix deduplication off: no prefix caching, no KV events', { prefixDeduplication: false }, { '--no-enable-prefix-caching': true, '--kv-events-config': false, '--prefix-caching-hash-algo': false }],
    ['KV events off', { kvEvents: { enabled: false } }, { '--enable-prefix-caching': true, '--kv-events-config': false }],
    ['hash algorithm and block size', { hashAlgorithm: 'sha256', blockSize: 64 }, { '--prefix-caching-hash-algo': 'sha256', '--block-size': '64' }],
  ])('cache policy: %s', (_, policy, want) => {
    const args = vllmArgs(input({}, policy));
    for (const [f, v] of Object.entries(want)) {
      if (v === true) expect(args).toContain(f);
      else if (v === false) expect(args).not.toContain(f);
      else expect(flag(args, f)).toBe(v);
    }
  });

  it('a replay port is bound beside the publisher', () => {
    expect(JSON.parse(flag(vllmArgs(input({}, { kvEvents: { port: 5557, replayPort: 5558 } })), '--kv-events-config')!)).toMatchObject({ endpoint: 'tcp://*:5557', replay_endpoint: 'tcp://*:5558' });
  });

  it('data parallelism: one endpoint per rank (multi-port external load balancing)', () => {
    const args = vllmArgs(input({ serving: { parallelism: { tensor: 2, data: 4 } } }));
    expect(flag(args, '--tensor-parallel-size')).toBe('2');
    expect(flag(args, '--data-parallel-size')).toBe('4');
    expect(args).toContain('--data-parallel-multi-port-external-lb');
  });

  it('LoRA adapters, then the user args last', () => {
    const i = input({ serving: { args: ['--max-num-seqs', '64'] } });
    const args = vllmArgs({ ...i, loras: [{ name: 'sql', path: 'acme/sql' }, { name: 'chat', path: '/mnt/lora/chat' }], maxModelLen: 4096, revision: 'v2' });
    expect(args.slice(-8)).toEqual(['--enable-lora', '--max-loras', '2', '--lora-modules', 'sql=acme/sql', 'chat=/mnt/lora/chat', '--max-num-seqs', '64']);
    expect(flag(args, '--revision')).toBe('v2');
    expect(flag(args, '--max-model-len')).toBe('4096');
  });
});

describe('cache tiers', () => {
  const GiB = 2 ** 30;
  it.each([
    ['gpu tier: KV memory per GPU (TP 2)', { resources: { gpu: 2 }, cache: { tiers: [{ type: 'gpu', size: '40Gi' }] } }, 0, { '--kv-cache-memory-bytes': String(20 * GiB) }, undefined],
    ['cpu tier, unified: native offloading', { cache: { tiers: [{ type: 'cpu', size: '64Gi' }] } }, 0, { '--kv-offloading-backend': 'native', '--kv-offloading-size': '64' }, undefined],
    ['cpu tier, unified, DP 2: split per engine', { serving: { parallelism: { tensor: 1, data: 2 } }, cache: { tiers: [{ type: 'cpu', size: '64Gi' }] } }, 0, { '--kv-offloading-size': '32' }, undefined],
    [
      'cpu tier, P/D: NIXL + OffloadingConnector',
      { ...PD, cache: { tiers: [{ type: 'cpu', size: '100Gi' }] } },
      0,
      { '--kv-offloading-backend': undefined },
      { kv_connector: 'MultiConnector', kv_role: 'kv_both', kv_connector_extra_config: { connectors: [{ kv_connector: 'NixlConnector', kv_role: 'kv_both' }, { kv_connector: 'OffloadingConnector', kv_role: 'kv_both', kv_connector_extra_config: { cpu_bytes_to_use: 100 * GiB } }] } },
    ],
    ['ssd tier, unified: LMCache', { cache: { tiers: [{ type: 'cpu', size: '8Gi' }, { type: 'ssd', size: '1Ti' }] } }, 0, { '--kv-offloading-backend': undefined }, { kv_connector: 'LMCacheConnectorV1', kv_role: 'kv_both' }],
    ['P/D without tiers: NIXL', PD, 1, {}, { kv_connector: 'NixlConnector', kv_role: 'kv_both' }],
  ])('%s', (_, spec, pool, flags, transfer) => {
    const i = input(spec, undefined, pool);
    const args = vllmArgs(i);
    for (const [f, v] of Object.entries(flags)) expect(flag(args, f)).toBe(v);
    expect(kvTransferConfig(i)).toEqual(transfer);
    if (transfer) expect(JSON.parse(flag(args, '--kv-transfer-config')!)).toEqual(transfer);
    else expect(args).not.toContain('--kv-transfer-config');
  });

  it('the ssd tier configures LMCache (local CPU and disk, GB)', () => {
    const i = input({ cache: { tiers: [{ type: 'cpu', size: '8Gi' }, { type: 'ssd', size: '1Ti', path: '/scratch' }] } });
    expect(lmcacheEnv(i.cache, 1)).toEqual([
      { name: 'LMCACHE_CHUNK_SIZE', value: '256' },
      { name: 'LMCACHE_LOCAL_CPU', value: 'True' },
      { name: 'LMCACHE_MAX_LOCAL_CPU_SIZE', value: '8' },
      { name: 'LMCACHE_LOCAL_DISK', value: 'file:///scratch/' },
      { name: 'LMCACHE_MAX_LOCAL_DISK_SIZE', value: '1024' },
    ]);
    expect(lmcacheEnv(input({}).cache, 1)).toEqual([]);
  });
});

describe('simArgs: vllm-sim on the same ports, the flags it has', () => {
  it.each([0, 1, 2])('rank %i', (rank) => {
    const args = simArgs(input({ simulated: true, serving: { parallelism: { tensor: 1, data: 3 } }, cache: { tiers: [{ type: 'cpu', size: '4Gi' }] } }, { kvEvents: { port: 5557, replayPort: 5600 } }), rank);
    expect(args.slice(0, 2)).toEqual(['serve', 'org/m']);
    expect(flag(args, '--port')).toBe(String(8000 + rank));
    expect(flag(args, '--host')).toBe('0.0.0.0');
    expect(flag(args, '--kv-offload-gib')).toBe('1.33');
    expect(JSON.parse(flag(args, '--kv-events-config')!)).toMatchObject({ endpoint: `tcp://*:${5557 + rank}`, replay_endpoint: `tcp://*:${5600 + rank}` });
    for (const f of ['--tensor-parallel-size', '--data-parallel-size', '--prefix-caching-hash-algo']) expect(args).not.toContain(f);
  });

  it('P/D: plain NixlConnector (the simulator speaks only that)', () => {
    expect(JSON.parse(flag(simArgs(input({ ...PD, simulated: true, cache: { tiers: [{ type: 'cpu', size: '4Gi' }] } }), 0), '--kv-transfer-config')!)).toEqual({ kv_connector: 'NixlConnector', kv_role: 'kv_both' });
  });
  it('names a stand-in tokenizer only when the render context gives one (a model vllm-sim has none for)', () => {
    expect(simArgs(input({ simulated: true }), 0)).not.toContain('--tokenizer');
    expect(flag(simArgs({ ...input({ simulated: true }), simTokenizer: 'builtin:llama-3' }, 0), '--tokenizer')).toBe('builtin:llama-3');
    expect(vllmArgs({ ...input({}), simTokenizer: 'builtin:llama-3' })).not.toContain('--tokenizer');
  });
});
