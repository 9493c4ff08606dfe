// What the gateway reads off a generation request to route and meter it (pure): the prompt it routes
// on, how many sequences it asks for, whether the client asked for stream usage, its token estimate.

export interface RequestShape {
  prompt?: unknown;
  messages?: { content: unknown }[];
  n?: number | null;
  best_of?: number | null;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  stream_options?: { include_usage?: boolean | null } | null;
}

/** Completion tokens assumed when the request sets no limit (for the tokens-per-minute estimate). */
const DEFAULT_MAX_TOKENS = 256;

/** The prompts of a /v1/completions request: one, or each of a batch (text or token ids). */
export function promptsOf(body: RequestShape): unknown[] {
  const p = body.prompt;
  if (!Array.isArray(p)) return p == null ? [] : [p];
  if (p.length === 0 || typeof p[0] === 'number') return [p];
  return p;
}

/**
 * The prompt the scheduler scores: the request's, or the first of a batch (a batch goes to one pod,
 * and its prompts usually share their prefix).
 */
export function routingPrompt(body: RequestShape): { prompt: string; promptTokenIds: number[] } {
  const first = promptsOf(body)[0];
  if (typeof first === 'string') return { prompt: first, promptTokenIds: [] };
  if (Array.isArray(first)) return { prompt: '', promptTokenIds: first as number[] };
  return { prompt: '', promptTokenIds: [] };
}

/** Sequences the request generates: prompts times choices (n, or best_of when larger). */
export function sequencesOf(body: RequestShape): number {
  const prompts = body.messages ? 1 : Math.max(1, promptsOf(body).length);
  return prompts * Math.max(1, body.n ?? 1, body.best_of ?? 1);
}

/**
 * Whether the request may be disaggregated: one kv_transfer handle covers one sequence, so a batch
 * or n > 1 is served whole by one pod.
 */
export function disaggregable(body: RequestShape): boolean {
  return sequencesOf(body) === 1;
}

/**
 * Whether a streaming client gets vLLM's usage event: as in vLLM, once stream_options is given,
 * include_usage defaults to true (an explicit false or null turns it off).
 */
export function clientWantsUsage(body: RequestShape): boolean {
  const o = body.stream_options;
  return o != null && o.include_usage !== false && o.include_usage !== null;
}

/**
 * The body a stream is sent upstream with: the gateway always asks the pod for usage (telemetry needs
 * real token counts) and, when the client did not ask for it, says to remove the usage event again.
 * Continuous usage is turned off then: the client would not have had it, and it would change the
 * bytes of every event.
 */
export function withStreamUsage<B extends RequestShape & { stream?: boolean | null }>(body: B): { body: B; stripUsage: boolean } {
  if (body.stream !== true || clientWantsUsage(body)) return { body, stripUsage: false };
  const { continuous_usage_stats: _c, ...options } = (body.stream_options ?? {}) as Record<string, unknown>;
  return { body: { ...body, stream_options: { ...options, include_usage: true } }, stripUsage: true };
}

/** Prompt plus completion tokens, estimated, for the tokens-per-minute limit. */
export function estimateTokens(body: RequestShape, promptTokens: number): number {
  const perSequence = Math.max(0, body.max_completion_tokens ?? body.max_tokens ?? DEFAULT_MAX_TOKENS);
  return promptTokens + sequencesOf(body) * perSequence;
}
