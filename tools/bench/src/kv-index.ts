// The KV-block index: event ingest rate, Score latency for 8k-token prompts over 100 pods (cold and
// warm, tokenization included), memory per million blocks, and accuracy against the true block pools
// of a simulated run.
import { encode } from '@msgpack/msgpack';
import { InMemoryKvBlockIndex, IndexEvent, KvEventApplier } from '@llmd/kv-index';
import { tokenBlockKeys } from '@llmd/prefix-hash';
import { CostModel, EngineCore, EngineRequest, loadGpuProfile, SimKvEvent } from '@llmd/sim-engine';
import { Llama3Tokenizer } from '@llmd/tokenizer';
import { collector, memoryInUse } from './proc';
import { defineCommand, parseOrExit } from '@llmd/cli';
import { printTable } from './table';

export const command = defineCommand({ name: 'llmd bench kv-index', summary: 'the KV-block index: ingest rate, Score latency, memory, accuracy', flags: {} });

const BS = 16;
const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

function toIndexEvents(events: readonly SimKvEvent[]): IndexEvent[] {
  return events.map((e) =>
    e.type === 'BlockStored'
      ? { type: 'BlockStored', blockHashes: e.blockHashes, parentBlockHash: e.parentBlockHash ?? undefined, tokenIds: e.tokenIds, blockSize: e.blockSize, loraName: e.loraName ?? undefined, medium: e.medium === 'CPU' ? 'cpu' : 'gpu' }
      : e.type === 'BlockRemoved'
        ? { type: 'BlockRemoved', blockHashes: e.blockHashes, medium: e.medium === 'CPU' ? 'cpu' : 'gpu' }
        : { type: 'AllBlocksCleared' },
  );
}

function ingestRate(): { blocksPerSec: number; decodedBlocksPerSec: number } {
  const index = new InMemoryKvBlockIndex(50_000_000);
  const applier = new KvEventApplier(index, 0);
  // 100 pods, 2,000 batches each of one 512-token prompt (32 blocks), sharing 256-token prefixes.
  const batches: { pod: string; events: IndexEvent[] }[] = [];
  let h = 1n;
  for (let i = 0; i < 20000; i++) {
    const prompt = [...range(256, (i % 50) * 1000), ...range(256, 1_000_000 + i * 300)];
    batches.push({ pod: `pod-${i % 100}`, events: [{ type: 'BlockStored', blockHashes: range(32).map(() => h++), tokenIds: prompt, blockSize: BS, medium: 'gpu' }] });
  }
  const start = performance.now();
  for (const b of batches) applier.apply(b.pod, b.events, 0);
  const secs = (performance.now() - start) / 1000;
  // The same with msgpack decoding of vLLM's encoding, as the ingester sees it.
  const payloads = batches.slice(0, 5000).map((b) => encode({ ts: 0, events: b.events.map((e) => (e.type === 'BlockStored' ? { type: 'BlockStored', block_hashes: e.blockHashes, parent_block_hash: null, token_ids: e.tokenIds, block_size: BS, lora_id: null, medium: 'GPU', lora_name: null } : e)) }, { useBigInt64: true }));
  const { decode } = require('@msgpack/msgpack') as typeof import('@msgpack/msgpack');
  const t2 = performance.now();
  for (const p of payloads) decode(p, { useBigInt64: true });
  const decodeSecs = (performance.now() - t2) / 1000;
  const blocks = batches.length * 32;
  return { blocksPerSec: blocks / secs, decodedBlocksPerSec: (payloads.length * 32) / (decodeSecs + (secs * payloads.length) / batches.length) };
}

async function scoreLatency(): Promise<{ cold: number[]; warm: number[]; tokenizerOnlyMs: number }> {
  const tok = Llama3Tokenizer.load();
  const index = new InMemoryKvBlockIndex(10_000_000);
  const applier = new KvEventApplier(index, 0);
  const pods = range(100).map((i) => `pod-${i}`);
  const system = 'You are the assistant of a large benchmark. Follow the policy in detail and cite it. '.repeat(330); // ~6k tokens
  const question = (i: number) => `Question ${i}: ${'please explain the following part of the policy in your own words. '.repeat(150)}`; // ~2k tokens
  // Ten pods hold the shared system prompt's blocks.
  const sysIds = await tok.encodeChat([{ role: 'system', content: system }]);
  let h = 1n;
  for (let p = 0; p < 10; p++) applier.apply(pods[p], [{ type: 'BlockStored', blockHashes: range(Math.floor(sysIds.length / BS)).map(() => h++), tokenIds: sysIds.slice(0, Math.floor(sysIds.length / BS) * BS), blockSize: BS, medium: 'gpu' }], 0);
  const score = async (messages: { role: string; content: string }[]) => {
    const t = performance.now();
    const ids = await tok.encodeChat(messages);
    index.lookup(tokenBlockKeys(ids, BS), pods);
    return performance.now() - t;
  };
  const cold: number[] = [];
  const warm: number[] = [];
  for (let i = 0; i < 60; i++) {
    // cold: a new system prompt each time (nothing cached, nothing in the tokenizer's piece cache)
    cold.push(await score([{ role: 'system', content: `${i} ${system}` }, { role: 'user', content: question(i) }]));
    // warm: the shared system prompt, already seen
    warm.push(await score([{ role: 'system', content: system }, { role: 'user', content: question(i) }]));
  }
  const t = performance.now();
  for (let i = 0; i < 20; i++) await tok.encodeRaw(tok.renderChat([{ role: 'system', content: `${i} ${system}` }, { role: 'user', content: question(i) }]));
  return { cold: cold.slice(10).sort((a, b) => a - b), warm: warm.slice(10).sort((a, b) => a - b), tokenizerOnlyMs: (performance.now() - t) / 20 };
}

function memoryPerMillion(): number {
  const gc = collector();
  // The keys and their batches are made first: only the index is measured.
  const keys = tokenBlockKeys(range(1_000_000 * BS), BS);
  const batches = Array.from({ length: keys.length / 1000 }, (_, b) => keys.slice(b * 1000, (b + 1) * 1000));
  gc();
  // Keys and holders live in typed arrays, outside the JS heap: both count.
  const before = memoryInUse();
  const index = new InMemoryKvBlockIndex(2_000_000);
  batches.forEach((batch, b) => index.add(batch, `pod-${b % 50}`, 'gpu', 0));
  gc();
  const mb = (memoryInUse() - before) / 1e6;
  if (index.size() !== keys.length) throw new Error(`indexed ${index.size()} of ${keys.length} blocks`);
  return mb;
}

function accuracy(): { correct: number; total: number } {
  const gpu = loadGpuProfile('llama-3-8b');
  const cores = range(4).map(() => new EngineCore(new CostModel(gpu.profile, gpu.bandwidth), { maxNumSeqs: 64, maxNumBatchedTokens: 8192, blockSize: BS, numGpuBlocks: 3000, cpuBlocks: 1500, enablePrefixCaching: true, maxLoras: 0, hashSeed: 7, remoteHoldTimeoutMs: 1000 }));
  const index = new InMemoryKvBlockIndex(10_000_000);
  const applier = new KvEventApplier(index, 0);
  let rng = 12345;
  const rand = () => ((rng = (rng * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const now = [0, 0, 0, 0];
  for (let i = 0; i < 2000; i++) {
    const pod = Math.floor(rand() * 4);
    const group = Math.floor(rand() * 40);
    let n = 0;
    const req: EngineRequest = { id: `r${i}`, promptTokenIds: [...range(600, group * 10000), ...range(Math.floor(200 + rand() * 600), 5_000_000 + i * 1000)], maxTokens: 20, eosAfter: 1e9, ignoreEos: true, stop: [], tokens: { next: () => ({ id: 7 + (n++ % 100), text: ' x' }) } };
    cores[pod].add(req, now[pod]);
    while (cores[pod].hasWork()) {
      const out = cores[pod].step(now[pod]);
      now[pod] += out.durationMs;
      applier.apply(`pod-${pod}`, toIndexEvents(out.kvEvents), 0);
    }
  }
  // Every block a pod truly caches must be in the index for that pod, on that tier, and nothing else.
  let correct = 0;
  let total = 0;
  for (let p = 0; p < 4; p++) {
    const truth = cores[p].cachedHashes();
    for (const [tier, hashes] of [['gpu', truth.gpu], ['cpu', truth.cpu]] as const) {
      for (const h of hashes) {
        total++;
        const key = applier.keyOf(`pod-${p}`, h);
        if (key !== undefined && (index.lookup([key], [`pod-${p}`]).get(`pod-${p}`)?.[tier] ?? 0) === 1) correct++;
      }
    }
    // Extra entries: keys the index holds for the pod that the pod does not.
    const trueKeys = new Set([...truth.gpu, ...truth.cpu].map((h) => applier.keyOf(`pod-${p}`, h)));
    for (const k of index.podKeys(`pod-${p}`)) {
      if (!trueKeys.has(k)) total++;
    }
  }
  return { correct, total };
}

async function main(): Promise<void> {
  const ingest = ingestRate();
  const s = await scoreLatency();
  const mem = memoryPerMillion();
  const acc = accuracy();
  process.stdout.write('KV-block index (one core)\n\n');
  printTable(['figure', 'value', 'target'], [
    ['ingest, BlockStored blocks applied per second', ingest.blocksPerSec.toFixed(0), '>= 200,000'],
    ['ingest incl. msgpack decoding, blocks/s', ingest.decodedBlocksPerSec.toFixed(0), ''],
    ['Score 8k tokens x 100 pods, cold p50 / p99 ms', `${pct(s.cold, 50).toFixed(2)} / ${pct(s.cold, 99).toFixed(2)}`, `within 3x of the tokenizer (${s.tokenizerOnlyMs.toFixed(2)} ms)`],
    ['Score 8k tokens x 100 pods, warm (shared 6k prefix) p50 / p99 ms', `${pct(s.warm, 50).toFixed(2)} / ${pct(s.warm, 99).toFixed(2)}`, 'p99 < 2 ms'],
    ['memory per million indexed blocks, MB', mem.toFixed(0), '< 200'],
    ['accuracy vs the pods\' true block pools (4 pods, 2,000 requests, GPU + CPU tiers)', `${((acc.correct / acc.total) * 100).toFixed(2)}% of ${acc.total}`, '100%'],
  ]);
}

if (require.main === module) {
  parseOrExit(command);
  void main();
}
