// The soak's request mix: each request drawn from a seeded stream, so a run's workload replays.
import type { Rng } from './rng';

export interface Tenant {
  name: string;
  key: string;
  /** Requests per minute per gateway replica (each replica keeps its own buckets); none = unlimited. */
  requestsPerMinute?: number;
}

/** The tenant within its limits, and the one sending far over its limit (it must get explicit 429s). */
export const TENANTS = {
  steady: { name: 'soak-steady', key: 'soak-steady-key-000000000001' },
  greedy: { name: 'soak-greedy', key: 'soak-greedy-key-000000000001', requestsPerMinute: 6 },
} satisfies Record<string, Tenant>;

export const LORA_ADAPTER = 'soak-lora';

export interface RequestSpec {
  path: '/v1/chat/completions' | '/v1/completions';
  stream: boolean;
  /** Long enough to be disaggregated (over the pd profile's 512 uncached tokens). */
  long: boolean;
  lora: boolean;
  tenant: keyof typeof TENANTS;
  /** Abort after this many stream chunks (a client going away mid-stream). */
  abortAfterChunks?: number;
  maxTokens: number;
  /** Prompt as token ids (completions; what the KV-index check can compare), or text. */
  prompt: number[] | string;
}

export interface MixOptions {
  /** Share of requests from the over-limit tenant. @default 0.08 */
  greedyShare?: number;
  /** Share of streams the client aborts. @default 0.05 */
  abortShare?: number;
  /** Include tenants (the gateway has auth on). @default true */
  tenants?: boolean;
  /** Include requests for the LoRA adapter (the pods serve it). @default true */
  lora?: boolean;
}

/** 8 shared 160-token prefixes (system prompts, documents), each request with its own tail. */
export function promptIds(rng: Rng, long: boolean): number[] {
  const prefix = Math.floor(rng() * 8);
  const tail = long ? 560 + Math.floor(rng() * 200) : 8 + Math.floor(rng() * 40);
  const salt = Math.floor(rng() * 1e6);
  return [...Array.from({ length: 160 }, (_, t) => 1000 + prefix * 500 + t), ...Array.from({ length: tail }, (_, t) => 10000 + ((salt + t * 7) % 50000))];
}

function promptText(rng: Rng, long: boolean): string {
  const prefix = `You are soak assistant ${Math.floor(rng() * 8)}. Answer briefly and precisely. `;
  const words = long ? 700 : 12;
  const salt = Math.floor(rng() * 1e6);
  return prefix + Array.from({ length: words }, (_, i) => `w${(salt + i * 13) % 9973}`).join(' ');
}

export function nextRequest(rng: Rng, options: MixOptions = {}): RequestSpec {
  const chat = rng() < 0.5;
  const stream = rng() < 0.6;
  const long = rng() < 0.3;
  // Drawn either way, so the rest of the stream is the same with or without LoRA.
  const lora = chat && rng() < 0.15 && options.lora !== false;
  const tenant = options.tenants !== false && rng() < (options.greedyShare ?? 0.08) ? 'greedy' : 'steady';
  const abort = stream && rng() < (options.abortShare ?? 0.05);
  const maxTokens = 8 + Math.floor(rng() * 40);
  return {
    path: chat ? '/v1/chat/completions' : '/v1/completions',
    stream,
    long,
    lora,
    tenant,
    ...(abort ? { abortAfterChunks: 1 + Math.floor(rng() * 3) } : {}),
    maxTokens,
    prompt: chat ? promptText(rng, long) : promptIds(rng, long),
  };
}

/** The OpenAI request body of a spec. */
export function requestBody(spec: RequestSpec, model: string): Record<string, unknown> {
  const common = { model: spec.lora ? LORA_ADAPTER : model, max_tokens: spec.maxTokens, stream: spec.stream, ignore_eos: true };
  return spec.path === '/v1/chat/completions' ? { ...common, messages: [{ role: 'user', content: spec.prompt }] } : { ...common, prompt: spec.prompt };
}
