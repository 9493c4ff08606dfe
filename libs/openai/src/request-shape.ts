// What llmd reads off a generation request to route and meter it (pure): the prompt it routes
// on, how many sequences it asks for, whether the client asked for stream usage, its token estimate.
// Each endpoint's schema types only its own fields (a chat body's `prompt`, a completion body's
// `messages` pass through untyped, as vLLM ignores them), so every reader here checks what it reads.
import { messageText } from './schemas';

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

/** A token id as the scheduler's Pick (uint32) carries it. */
const isTokenId = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 2 ** 32 - 1;

/** The chat messages, when the body has a list of them (objects only). */
export function messagesOf(body: RequestShape): { role?: unknown; content: unknown }[] | undefined {
  if (!Array.isArray(body.messages)) return undefined;
  return body.messages.filter((m): m is { content: unknown } => typeof m === 'object' && m !== null);
}

/** A message's text for routing: its string, or its text parts joined; anything else is empty. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return messageText(content.filter((p) => typeof p === 'object' && p !== null) as never);
}

/** The messages as the scheduler's Pick carries them. */
export function routingMessages(body: RequestShape): { role: string; content: string }[] {
  return (messagesOf(body) ?? []).map((m) => ({ role: typeof m.role === 'string' ? m.role : '', content: contentText(m.content) }));
}

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
  if (Array.isArray(first) && first.every(isTokenId)) return { prompt: '', promptTokenIds: first };
  return { prompt: '', promptTokenIds: [] };
}

/** Sequences the request generates: prompts times choices (n, or best_of when larger). */
export function sequencesOf(body: RequestShape): number {
  const prompts = messagesOf(body) ? 1 : Math.max(1, promptsOf(body).length);
  const choices = [body.n, body.best_of].filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  return prompts * Math.max(1, ...choices);
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

/**
 * The completion-token limit the request sets, if it sets one as a number. /v1/completions does not
 * type max_completion_tokens (vLLM ignores it there), so anything may arrive in it: it counts only
 * when it is a finite number.
 */
function limitOf(body: RequestShape): number | undefined {
  const limit = [body.max_completion_tokens, body.max_tokens].find((v) => typeof v === 'number' && Number.isFinite(v));
  return limit ?? undefined;
}

const UINT32_MAX = 2 ** 32 - 1;

/** The limit as the scheduler's Pick carries it (uint32; 0: none). An out-of-range value is vLLM's to refuse. */
export function maxTokensOf(body: RequestShape): number {
  return Math.min(UINT32_MAX, Math.max(0, Math.floor(limitOf(body) ?? 0)));
}

/** Prompt plus completion tokens, estimated, for the tokens-per-minute limit. */
export function estimateTokens(body: RequestShape, promptTokens: number): number {
  const perSequence = Math.max(0, limitOf(body) ?? DEFAULT_MAX_TOKENS);
  return promptTokens + sequencesOf(body) * perSequence;
}
