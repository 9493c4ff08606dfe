// The KV-block index: event ingest rate, Score latency for 8k-token prompts over 100 pods (cold and
// warm, tokenization included), memory per million blocks, and accuracy against the true block pools
// of a simulated run.
import { encode } from '@msgpack/msgpack';
import { BlockSizes, ChunkedTokenizer, DEFAULT_TIER_WEIGHTS, InMemoryKvBlockIndex, IndexEvent, KvEventApplier, PrefixScorer, TokenizationCache } from '@llmd/kv-index';
import { tokenBlockKeys } from '@llmd/prefix-hash';
import { CostModel, EngineCore, EngineRequest, loadGpuProfile, SimKvEvent } from '@llmd/sim-engine';
import { Llama3Tokenizer } from '@llmd/tokenizer';
import { collector, memoryInUse } from './proc';
import { defineCommand, parseOrExit } from '@llmd/cli';
import { printTable } from './table';

export const command = defineCommand({
  name: 'llmd bench kv-index',
  summary: 'the KV-block index: ingest rate, Score latency (first-seen and warm prompts), memory, accuracy',
  flags: {
    iterations: { type: 'integer', min: 20, default: '200', description: 'Scores measured per kind of prompt (first-seen, warm)' },
    json: { type: 'boolean', description: 'also print one JSON object per figure, one per line, after the table' },
  },
});

const BS = 16;
const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);
/** Ordinary English words, for prompt text that does not repeat. */
const WORDS = 'the of and to in is that for it as was with be by on not he this are or his from at which but have an they you were her she there been one all we their has would when if so no will more can out other into some could them what only time than then its about two may first new any these like over such our man me even most made after also did many before must through years where much your way well down should because each just those people how too little state good very make world still own see men work long here get both between life being under never day same another know while last might great old year off come since against go came right used take three'.split(' ');

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

/** Score latency percentiles (ms) and how each Score got its token ids. */
interface ScoreFigures {
  samples: number[];
  /** Tokens tokenized per Score, on average (the rest of the prompt is tokenized by Speculate, after the pick). */
  tokenizedTokens: number;
  kinds: Record<string, number>;
}

/**
 * KvCache.Score as cache-manager runs it (PrefixScorer: the chunked tokenizer, the per-prompt cache,
 * the index, speculative entries) on 8k-token chats over 100 pods. Cold: a conversation never seen
 * (its system prompt is new, nothing of it cached anywhere). Warm: the shared 6k-token system prompt,
 * which ten pods hold, and a new question. Each Score is followed by the pick's Speculate, as the
 * scheduler sends it, outside the measured time. The two alternate in one run.
 */
async function scoreLatency(iterations: number): Promise<{ cold: ScoreFigures; warm: ScoreFigures; wholeTokenizeMs: number }> {
  const raw = Llama3Tokenizer.load();
  const tokenizer = new ChunkedTokenizer(raw);
  if (!(await tokenizer.ready)) throw new Error('the Llama-3 tokenizer cannot be chunked: Score would tokenize whole prompts');
  const index = new InMemoryKvBlockIndex(10_000_000);
  const applier = new KvEventApplier(index, 0);
  const pods = range(100).map((i) => `pod-${i}`);
  const scorer = new PrefixScorer(index, { get: () => tokenizer }, new TokenizationCache({ maxEntries: 1024, concurrency: 4 }), { hashSeed: 0, tierWeights: DEFAULT_TIER_WEIGHTS, speculativeTtlMs: 2000 }, new BlockSizes({ blockSize: BS, modelBlockSizes: {} }));
  // Text that does not repeat itself (a repeated sentence would be tokenized once and reused, which
  // real prompts do not allow): words drawn from a seeded generator.
  let seed = 7;
  const word = () => WORDS[(seed = (seed * 1103515245 + 12345) & 0x7fffffff) % WORDS.length];
  const text = (words: number) => Array.from({ length: words }, word).join(' ');
  const system = `You are the assistant of a large benchmark. ${text(4600)}`; // ~6k tokens
  const question = (i: number) => `Question ${i}: ${text(1500)}`; // ~2k tokens
  // Ten pods hold the shared system prompt's blocks (their KV events carry the ids the pods made).
  const sysIds = await raw.encodeChat([{ role: 'system', content: system }]);
  const sysBlocks = Math.floor(sysIds.length / BS);
  let h = 1n;
  for (let p = 0; p < 10; p++) applier.apply(pods[p], [{ type: 'BlockStored', blockHashes: range(sysBlocks).map(() => h++), tokenIds: sysIds.slice(0, sysBlocks * BS), blockSize: BS, medium: 'gpu' }], 0);
  const figures = (): ScoreFigures & { tokens: number } => ({ samples: [], tokenizedTokens: 0, kinds: {}, tokens: 0 });
  const newSystem = (i: number) => `You are assistant number ${i}. ${text(4600)}`;
  const cold = figures();
  const warm = figures();
  const score = async (f: ReturnType<typeof figures>, messages: { role: string; content: string }[], measured: boolean) => {
    const input = { kind: 'chat' as const, messages };
    const t = performance.now();
    const r = await scorer.score(input, 'm', pods);
    const ms = performance.now() - t;
    // The pick's Speculate: the scheduler sends it after the Pick, off the request's path.
    await scorer.speculate(input, 'm', pods[Math.floor(Math.random() * pods.length)], undefined, 0);
    if (!measured) return;
    f.samples.push(ms);
    f.tokens += r.tokenization.tokenized;
    f.kinds[r.tokenization.kind] = (f.kinds[r.tokenization.kind] ?? 0) + 1;
  };
  const warmup = Math.min(20, Math.ceil(iterations / 5));
  for (let i = 0; i < iterations + warmup; i++) {
    await score(cold, [{ role: 'system', content: newSystem(i) }, { role: 'user', content: question(i) }], i >= warmup);
    await score(warm, [{ role: 'system', content: system }, { role: 'user', content: question(i) }], i >= warmup);
  }
  const done = (f: ReturnType<typeof figures>): ScoreFigures => ({ samples: f.samples.sort((a, b) => a - b), tokenizedTokens: f.tokens / Math.max(1, f.samples.length), kinds: f.kinds });
  // The whole prompt through the tokenizer alone (no caches): what a Score that tokenized it all would pay.
  const t = performance.now();
  for (let i = 0; i < 20; i++) await raw.encodeRaw(raw.renderChat([{ role: 'system', content: newSystem(i) }, { role: 'user', content: question(i) }]));
  return { cold: done(cold), warm: done(warm), wholeTokenizeMs: (performance.now() - t) / 20 };
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

async function main(options: { iterations: number; json: boolean }): Promise<void> {
  const ingest = ingestRate();
  const s = await scoreLatency(options.iterations);
  const mem = memoryPerMillion();
  const acc = accuracy();
  const coldP99 = pct(s.cold.samples, 99);
  const warmP99 = pct(s.warm.samples, 99);
  const ratio = coldP99 / warmP99;
  const kinds = (f: ScoreFigures) => Object.entries(f.kinds).map(([k, n]) => `${k} ${n}`).join(', ');
  process.stdout.write('KV-block index (one core)\n\n');
  printTable(['figure', 'value', 'target'], [
    ['ingest, BlockStored blocks applied per second', ingest.blocksPerSec.toFixed(0), '>= 200,000'],
    ['ingest incl. msgpack decoding, blocks/s', ingest.decodedBlocksPerSec.toFixed(0), ''],
    ['Score 8k tokens x 100 pods, first-seen p50 / p99 ms', `${pct(s.cold.samples, 50).toFixed(2)} / ${coldP99.toFixed(2)}`, ''],
    ['  tokens tokenized per first-seen Score (how)', `${s.cold.tokenizedTokens.toFixed(0)} (${kinds(s.cold)})`, ''],
    ['Score 8k tokens x 100 pods, warm (shared 6k prefix) p50 / p99 ms', `${pct(s.warm.samples, 50).toFixed(2)} / ${warmP99.toFixed(2)}`, 'p99 < 2 ms'],
    ['  tokens tokenized per warm Score (how)', `${s.warm.tokenizedTokens.toFixed(0)} (${kinds(s.warm)})`, ''],
    ['first-seen p99 / warm p99', `${ratio.toFixed(2)}x`, `<= 2x ${ratio <= 2 ? 'met' : 'NOT met'}`],
    ['the whole 8k prompt through the tokenizer alone, ms', s.wholeTokenizeMs.toFixed(2), 'what a Score that tokenized it all would add'],
    ['memory per million indexed blocks, MB', mem.toFixed(0), '< 200'],
    ['accuracy vs the pods\' true block pools (4 pods, 2,000 requests, GPU + CPU tiers)', `${((acc.correct / acc.total) * 100).toFixed(2)}% of ${acc.total}`, '100%'],
  ]);
  if (options.json) {
    const row = (r: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(r)}\n`);
    for (const [prompt, f] of [['first-seen', s.cold], ['warm', s.warm]] as const) row({ figure: 'score', prompt, promptTokens: 8192, endpoints: 100, p50Ms: pct(f.samples, 50), p99Ms: pct(f.samples, 99), tokenizedTokens: f.tokenizedTokens, kinds: f.kinds });
    row({ figure: 'score-cold-over-warm-p99', ratio, bound: 2, met: ratio <= 2 });
    row({ figure: 'whole-prompt-tokenize', ms: s.wholeTokenizeMs });
    row({ figure: 'ingest', blocksPerSec: ingest.blocksPerSec, decodedBlocksPerSec: ingest.decodedBlocksPerSec });
    row({ figure: 'memory', mbPerMillionBlocks: mem });
    row({ figure: 'accuracy', correct: acc.correct, total: acc.total });
  }
}

if (require.main === module) {
  const { values } = parseOrExit(command);
  void main({ iterations: values.iterations, json: values.json === true });
}
