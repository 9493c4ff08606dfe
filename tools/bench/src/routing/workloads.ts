// The routing benchmarks' workloads, seeded and described in code: prompts as token ids (so the live
// stack and the simulator see exactly the same prompts: vLLM's /v1/completions takes token arrays),
// and arrival times.
import { seededRandom } from '@llmd/scoring/testing';

export interface WorkloadRequest {
  id: string;
  /** Offset from the start of the run, in (simulated) ms. */
  arrivalMs: number;
  promptTokenIds: number[];
  maxTokens: number;
  /** The prefix group (tenant, session, document) the prompt belongs to. */
  group: number;
  /** Leading tokens shared with the group's other prompts (the system prompt), where the workload has one. */
  sharedTokens?: number;
}

export type WorkloadName = 'shared-prefix' | 'multi-turn' | 'long-doc' | 'mixed' | 'low-reuse';

export interface WorkloadOptions {
  seed: number;
  /** Requests per second (Poisson arrivals). */
  rate: number;
  /** Requests in the run (the workload's own count when absent). */
  count?: number;
  /** Scales every token count (prompts and outputs), to fit a run into a smaller machine. @default 1 */
  scale?: number;
}

/** The seeded PRNG the scheduler's tests use (mulberry32). */
export const rng = seededRandom;

/** Token ids of ordinary text: away from the special tokens at the top of Llama-3's vocabulary. */
function tokens(random: () => number, n: number): number[] {
  return Array.from({ length: Math.max(0, Math.round(n)) }, () => 1000 + Math.floor(random() * 120000));
}

/** As `tokens`, straight into a typed array (a cluster-scale run draws tens of millions). */
function tokenArray(random: () => number, n: number): Uint32Array {
  const out = new Uint32Array(Math.max(0, Math.round(n)));
  for (let i = 0; i < out.length; i++) out[i] = 1000 + Math.floor(random() * 120000);
  return out;
}

/** Poisson arrival offsets (ms) of `count` requests at `rate` per second. */
export function poissonArrivals(count: number, rate: number, random: () => number): number[] {
  let t = 0;
  return Array.from({ length: count }, () => {
    t += (-Math.log(1 - random()) / rate) * 1000;
    return t;
  });
}

/** Heavy-tailed (log-normal) integer around `median`, clamped to [min, max]. */
function logNormal(random: () => number, median: number, sigma: number, min: number, max: number): number {
  const u = Math.max(1e-12, random());
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  return Math.round(Math.min(max, Math.max(min, median * Math.exp(sigma * z))));
}

/**
 * llm-d's "KV-cache wins" study: groups of prompts sharing a long system prompt, each with its own
 * question; the prompts of all groups arrive shuffled.
 */
export function sharedPrefix(o: WorkloadOptions & { groups?: number; promptsPerGroup?: number; systemTokens?: number; questionTokens?: number; outputTokens?: number }): WorkloadRequest[] {
  const s = o.scale ?? 1;
  const { groups = 150, promptsPerGroup = 5, systemTokens = 6000, questionTokens = 1200, outputTokens = 1000 } = o;
  const random = rng(o.seed);
  // Kept compact (a cluster-scale run has thousands of groups); a prompt is assembled when read.
  const systems = Array.from({ length: groups }, () => tokenArray(random, systemTokens * s));
  const prompts: { group: number; questionSeed: number }[] = [];
  for (let g = 0; g < groups; g++) for (let p = 0; p < promptsPerGroup; p++) prompts.push({ group: g, questionSeed: Math.floor(random() * 2 ** 32) });
  shuffle(prompts, random);
  const count = o.count ?? prompts.length;
  const arrivals = poissonArrivals(count, o.rate, random);
  const questionLength = Math.round(questionTokens * s);
  return arrivals.map((arrivalMs, i) => {
    const { group, questionSeed } = prompts[i % prompts.length];
    return lazyPrompt({ id: `sp-${i}`, arrivalMs, maxTokens: Math.max(1, Math.round(outputTokens * s)), group, sharedTokens: systems[group].length }, () => prefixedPrompt(systems[group], questionSeed, questionLength));
  });
}

/**
 * A shared prefix and a question of `questionLength` tokens drawn from `questionSeed`. A plain
 * array: a Uint32Array would halve what a 512-pod run's 50,000 prompts in flight hold (8.5 instead
 * of 15 GB at peak), but the run took 9 minutes instead of under 6.
 */
function prefixedPrompt(prefix: Uint32Array, questionSeed: number, questionLength: number): number[] {
  const ids = new Array<number>(prefix.length + questionLength);
  for (let t = 0; t < prefix.length; t++) ids[t] = prefix[t];
  const q = rng(questionSeed);
  for (let t = 0; t < questionLength; t++) ids[prefix.length + t] = 1000 + Math.floor(q() * 120000);
  return ids;
}

/** A request whose prompt is built each time it is read: 100,000 requests of 7,000 tokens fit in memory. */
function lazyPrompt(base: Omit<WorkloadRequest, 'promptTokenIds'>, build: () => number[]): WorkloadRequest {
  return Object.defineProperty({ ...base }, 'promptTokenIds', { get: build, enumerable: true }) as WorkloadRequest;
}

/**
 * Chat sessions whose prompt grows turn by turn: each turn resends the whole conversation (system,
 * earlier turns and answers) plus a new user message.
 */
export function multiTurn(o: WorkloadOptions & { sessions?: number; turns?: number; systemTokens?: number; userTokens?: number; answerTokens?: number }): WorkloadRequest[] {
  const s = o.scale ?? 1;
  const { sessions = 100, turns = 6, systemTokens = 1000, userTokens = 200, answerTokens = 250 } = o;
  const random = rng(o.seed);
  const convo = Array.from({ length: sessions }, () => tokens(random, systemTokens * s));
  const count = o.count ?? sessions * turns;
  const arrivals = poissonArrivals(count, o.rate, random);
  const turnOf = new Array<number>(sessions).fill(0);
  return arrivals.map((arrivalMs, i) => {
    // Sessions take turns in a random order; a finished session starts over as a new one.
    const session = Math.floor(random() * sessions);
    if (turnOf[session] >= turns) {
      convo[session] = tokens(random, systemTokens * s);
      turnOf[session] = 0;
    }
    turnOf[session]++;
    const prompt = [...convo[session], ...tokens(random, userTokens * s)];
    convo[session] = [...prompt, ...tokens(random, answerTokens * s)]; // the answer, as the next turn resends it
    return { id: `mt-${i}`, arrivalMs, promptTokenIds: prompt, maxTokens: Math.max(1, Math.round(answerTokens * s)), group: session };
  });
}

/** Long documents asked short questions: long prompts, short answers (where P/D pays). */
export function longDoc(o: WorkloadOptions & { documents?: number; questionsPerDoc?: number; docTokens?: number; questionTokens?: number; outputTokens?: number }): WorkloadRequest[] {
  const s = o.scale ?? 1;
  const { documents = 40, questionsPerDoc = 5, docTokens = 12000, questionTokens = 100, outputTokens = 64 } = o;
  const random = rng(o.seed);
  const docs = Array.from({ length: documents }, () => tokens(random, docTokens * s));
  const prompts: { group: number; ids: number[] }[] = [];
  for (let d = 0; d < documents; d++) for (let q = 0; q < questionsPerDoc; q++) prompts.push({ group: d, ids: [...docs[d], ...tokens(random, questionTokens * s)] });
  shuffle(prompts, random);
  const count = o.count ?? prompts.length;
  return poissonArrivals(count, o.rate, random).map((arrivalMs, i) => ({ id: `ld-${i}`, arrivalMs, promptTokenIds: prompts[i % prompts.length].ids, maxTokens: Math.max(1, Math.round(outputTokens * s)), group: prompts[i % prompts.length].group, sharedTokens: docs[prompts[i % prompts.length].group].length }));
}

/**
 * Little reuse: hundreds of long prefixes (documents, system prompts), each request drawing one
 * uniformly at random, with a short question and a short answer. Most prefixes are seen once or
 * twice in a run: prefix affinity has little to win, and piling a prefix's requests on one pod can
 * only queue them there while other pods idle. Where affinity must never cost the tail.
 */
export function lowReuse(o: WorkloadOptions & { groups?: number; systemTokens?: number; questionTokens?: number; outputTokens?: number }): WorkloadRequest[] {
  const s = o.scale ?? 1;
  const { groups = 400, systemTokens = 3000, questionTokens = 50, outputTokens = 64 } = o;
  const random = rng(o.seed);
  const prefixes = Array.from({ length: groups }, () => tokenArray(random, systemTokens * s));
  const count = o.count ?? 1000;
  const questionLength = Math.round(questionTokens * s);
  return poissonArrivals(count, o.rate, random).map((arrivalMs, i) => {
    const group = Math.floor(random() * groups);
    const questionSeed = Math.floor(random() * 2 ** 32);
    return lazyPrompt({ id: `lr-${i}`, arrivalMs, maxTokens: Math.max(1, Math.round(outputTokens * s)), group, sharedTokens: prefixes[group].length }, () => prefixedPrompt(prefixes[group], questionSeed, questionLength));
  });
}

/** The mixed workload's lengths: log-normal prompt and output tokens (median, sigma, clamp). */
export const MIXED_LENGTHS = { prompt: { median: 800, sigma: 1.0, min: 16, max: 16000 }, output: { median: 200, sigma: 0.9, min: 8, max: 4000 } } as const;

/** Synthetic mixed traffic: heavy-tailed prompt and output lengths, no shared prefixes. */
export function mixed(o: WorkloadOptions): WorkloadRequest[] {
  const s = o.scale ?? 1;
  const random = rng(o.seed);
  const count = o.count ?? 1000;
  const { prompt: p, output: q } = MIXED_LENGTHS;
  return poissonArrivals(count, o.rate, random).map((arrivalMs, i) => ({
    id: `mx-${i}`,
    arrivalMs,
    promptTokenIds: tokens(random, logNormal(random, p.median, p.sigma, p.min, p.max) * s),
    maxTokens: Math.max(1, Math.round(logNormal(random, q.median, q.sigma, q.min, q.max) * s)),
    group: i,
  }));
}

/**
 * The mixed workload's token mix at given arrival times (e.g. from a rate that changes over time),
 * its prompts built when read: a day of traffic (hundreds of thousands of requests) fits in memory.
 */
export function mixedAt(arrivalsMs: readonly number[], o: { seed: number; scale?: number }): WorkloadRequest[] {
  const s = o.scale ?? 1;
  const random = rng(o.seed);
  const { prompt: p, output: q } = MIXED_LENGTHS;
  return arrivalsMs.map((arrivalMs, i) => {
    const length = Math.max(0, Math.round(logNormal(random, p.median, p.sigma, p.min, p.max) * s));
    const maxTokens = Math.max(1, Math.round(logNormal(random, q.median, q.sigma, q.min, q.max) * s));
    const seed = Math.floor(random() * 2 ** 32);
    return lazyPrompt({ id: `mx-${i}`, arrivalMs, maxTokens, group: i }, () => tokens(rng(seed), length));
  });
}

export function workload(name: WorkloadName, o: WorkloadOptions & { groups?: number; promptsPerGroup?: number; systemTokens?: number; questionTokens?: number; outputTokens?: number }): WorkloadRequest[] {
  switch (name) {
    case 'shared-prefix':
      return sharedPrefix(o);
    case 'multi-turn':
      return multiTurn(o);
    case 'long-doc':
      return longDoc(o);
    case 'mixed':
      return mixed(o);
    case 'low-reuse':
      return lowReuse(o);
  }
}

function shuffle<T>(a: T[], random: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
}
