// The simulator's own request validation, shaped as vLLM's OpenAI server validates: the pydantic
// request models (types, cross-field checks) and then SamplingParams' checks, with vLLM's error
// texts. Unknown fields are accepted (vLLM ignores them). Pure: body in, parameters or an error out.
import { z } from 'zod';
import { messageContent } from './message-content';
import { VllmValidationError } from './vllm-validation.error';

export { VllmValidationError };

const int = z.number({ error: 'Input should be a valid integer' }).int('Input should be a valid integer');
const num = z.number({ error: 'Input should be a valid number' });
const bool = z.boolean({ error: 'Input should be a valid boolean' });
const str = z.string({ error: 'Input should be a valid string' });
const stop = z.union([str, z.array(str)], { error: 'Input should be a valid string or list of strings' });

/** Fields both endpoints share (vLLM's sampling extras included). */
const common = {
  model: str.nullish(),
  stream: bool.nullish(),
  stream_options: z.looseObject({ include_usage: bool.nullish(), continuous_usage_stats: bool.nullish() }).nullish(),
  n: int.nullish(),
  best_of: int.nullish(),
  max_tokens: int.nullish(),
  min_tokens: int.nullish(),
  temperature: num.nullish(),
  top_p: num.nullish(),
  top_k: int.nullish(),
  min_p: num.nullish(),
  presence_penalty: num.nullish(),
  frequency_penalty: num.nullish(),
  repetition_penalty: num.nullish(),
  seed: int.nullish(),
  stop: stop.nullish(),
  stop_token_ids: z.array(int).nullish(),
  ignore_eos: bool.nullish(),
  echo: bool.nullish(),
  prompt_logprobs: int.nullish(),
  logit_bias: z.record(z.string(), num).nullish(),
  user: str.nullish(),
  kv_transfer_params: z.unknown().optional(),
};

const promptSchema = z.union([str, z.array(str).min(1), z.array(int).min(1), z.array(z.array(int).min(1)).min(1)], {
  error: 'Input should be a valid string, list of strings, list of token ids or list of lists of token ids',
});

const completionSchema = z.looseObject({
  ...common,
  prompt: promptSchema.nullish(),
  logprobs: int.nullish(),
  suffix: str.nullish(),
  add_special_tokens: bool.nullish(),
});

const messageSchema = z.looseObject({ role: str, content: z.unknown().optional() });
const chatSchema = z.looseObject({
  ...common,
  messages: z.array(messageSchema, { error: 'Input should be a valid list' }),
  logprobs: bool.nullish(),
  top_logprobs: int.nullish(),
  max_completion_tokens: int.nullish(),
  add_generation_prompt: bool.nullish(),
  continue_final_message: bool.nullish(),
});

/** A prompt as the client gave it: text, or token ids. */
export type PromptInput = { text: string } | { ids: number[] };

export interface SamplingRequest {
  model?: string;
  stream: boolean;
  includeUsage: boolean;
  n: number;
  /** Completion tokens asked for; undefined: as many as fit (chat), 16 for completions (vLLM's default). */
  maxTokens?: number;
  minTokens: number;
  seed?: number;
  stop: string[];
  ignoreEos: boolean;
  echo: boolean;
  /** Top alternatives per token; undefined: no logprobs. */
  logprobs?: number;
  kvTransferParams?: unknown;
}

export interface CompletionParams extends SamplingRequest {
  prompts: PromptInput[];
  addSpecialTokens: boolean;
}

export interface ChatParams extends SamplingRequest {
  messages: { role: string; content: string }[];
}

function parse<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new VllmValidationError('Input should be a valid dictionary or object to extract fields from');
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const param = issue.path.length > 0 ? String(issue.path[0]) : null;
  const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  throw new VllmValidationError(`${where}${issue.message}`, param);
}

type Common = z.infer<z.ZodObject<typeof common>>;

/** The request-model checks both endpoints make, then SamplingParams' own. */
function sampling(b: Common, maxTokensDefault: number | undefined, logprobs: number | undefined, maxLogprobs: number, vocabSize: number): SamplingRequest {
  if (b.stream_options && !b.stream) throw new VllmValidationError('Stream options can only be defined when `stream=True`.', 'stream_options');
  if (b.prompt_logprobs != null) {
    if (b.stream && (b.prompt_logprobs > 0 || b.prompt_logprobs === -1)) throw new VllmValidationError('`prompt_logprobs` are not available when `stream=True`.', 'prompt_logprobs');
    if (b.prompt_logprobs < 0 && b.prompt_logprobs !== -1) throw new VllmValidationError('`prompt_logprobs` must be a positive value or -1.', 'prompt_logprobs');
  }
  const n = b.n ?? 1;
  const temperature = b.temperature ?? 1;
  const maxTokens = b.max_tokens ?? maxTokensDefault;
  const checks: [boolean, string, string][] = [
    [n >= 1, `n must be at least 1, got ${n}.`, 'n'],
    [b.best_of == null || b.best_of >= n, `best_of must be greater than or equal to n, got n=${n} and best_of=${b.best_of}.`, 'best_of'],
    [b.presence_penalty == null || (b.presence_penalty >= -2 && b.presence_penalty <= 2), `presence_penalty must be in [-2, 2], got ${b.presence_penalty}.`, 'presence_penalty'],
    [b.frequency_penalty == null || (b.frequency_penalty >= -2 && b.frequency_penalty <= 2), `frequency_penalty must be in [-2, 2], got ${b.frequency_penalty}.`, 'frequency_penalty'],
    [b.repetition_penalty == null || b.repetition_penalty > 0, `repetition_penalty must be greater than zero, got ${b.repetition_penalty}.`, 'repetition_penalty'],
    [temperature >= 0, `temperature must be non-negative, got ${temperature}.`, 'temperature'],
    [b.top_p == null || (b.top_p > 0 && b.top_p <= 1), `top_p must be in (0, 1], got ${b.top_p}.`, 'top_p'],
    [b.top_k == null || b.top_k === -1 || b.top_k >= 0, `top_k must be 0 (disable), or at least 1, got ${b.top_k}.`, 'top_k'],
    [b.min_p == null || (b.min_p >= 0 && b.min_p <= 1), `min_p must be in [0, 1], got ${b.min_p}.`, 'min_p'],
    [maxTokens == null || maxTokens >= 1, `max_tokens must be at least 1, got ${maxTokens}.`, 'max_tokens'],
    [(b.min_tokens ?? 0) >= 0, `min_tokens must be greater than or equal to 0, got ${b.min_tokens}.`, 'min_tokens'],
    [maxTokens == null || (b.min_tokens ?? 0) <= maxTokens, `min_tokens must be less than or equal to max_tokens=${maxTokens}, got ${b.min_tokens}.`, 'min_tokens'],
    [logprobs == null || logprobs >= 0 || logprobs === -1, `logprobs must be non-negative or -1, got ${logprobs}.`, 'logprobs'],
  ];
  for (const [ok, message, param] of checks) if (!ok) throw new VllmValidationError(message, param);
  const stops = b.stop == null ? [] : Array.isArray(b.stop) ? b.stop : [b.stop];
  if (stops.some((s) => s === '')) throw new VllmValidationError('stop cannot contain an empty string.', 'stop');
  if (temperature < 1e-5 && n > 1) throw new VllmValidationError(`n must be 1 when using greedy sampling, got ${n}.`, 'n');
  if (logprobs != null) {
    const cap = maxLogprobs === -1 ? vocabSize : maxLogprobs;
    const asked = logprobs === -1 ? vocabSize : logprobs;
    if (asked > cap) throw new VllmValidationError(`Requested sample logprobs of ${asked}, which is greater than max allowed: ${cap}`, 'logprobs');
  }
  return {
    model: b.model ?? undefined,
    stream: b.stream === true,
    // vLLM's StreamOptions defaults include_usage to true: `stream_options: {}` asks for usage.
    includeUsage: b.stream === true && b.stream_options != null && (b.stream_options.include_usage === undefined || b.stream_options.include_usage === true),
    n,
    maxTokens: maxTokens ?? undefined,
    minTokens: b.min_tokens ?? 0,
    seed: b.seed ?? undefined,
    stop: stops,
    ignoreEos: b.ignore_eos === true,
    echo: b.echo === true,
    logprobs: logprobs == null ? undefined : logprobs === -1 ? vocabSize : logprobs,
    kvTransferParams: b.kv_transfer_params ?? undefined,
  };
}

export interface Limits {
  /** --max-logprobs (-1: the vocabulary). */
  maxLogprobs: number;
  vocabSize: number;
}

/** POST /v1/completions as vLLM's CompletionRequest takes it. */
export function parseCompletionRequest(body: unknown, limits: Limits): CompletionParams {
  const b = parse(completionSchema, body);
  if (b.prompt == null) throw new VllmValidationError('Either prompt or prompt_embeds must be provided and non-empty.', 'prompt');
  if (b.suffix != null) throw new VllmValidationError('suffix is not currently supported', 'suffix');
  if (b.logprobs != null && b.logprobs < 0 && b.logprobs !== -1) throw new VllmValidationError('`logprobs` must be a positive value or -1.', 'logprobs');
  const params = sampling(b, 16, b.logprobs ?? undefined, limits.maxLogprobs, limits.vocabSize);
  const p = b.prompt;
  const prompts: PromptInput[] =
    typeof p === 'string' ? [{ text: p }] : typeof p[0] === 'string' ? (p as string[]).map((text) => ({ text })) : typeof p[0] === 'number' ? [{ ids: p as number[] }] : (p as number[][]).map((ids) => ({ ids }));
  return { ...params, prompts, addSpecialTokens: b.add_special_tokens !== false };
}

/** POST /v1/chat/completions as vLLM's ChatCompletionRequest takes it. */
export function parseChatRequest(body: unknown, limits: Limits): ChatParams {
  const b = parse(chatSchema, body);
  if (b.top_logprobs != null) {
    if (b.top_logprobs < 0 && b.top_logprobs !== -1) throw new VllmValidationError('`top_logprobs` must be a positive value or -1.', 'top_logprobs');
    if ((b.top_logprobs === -1 || b.top_logprobs > 0) && !b.logprobs) throw new VllmValidationError('when using `top_logprobs`, `logprobs` must be set to true.', 'top_logprobs');
  }
  if (b.continue_final_message && b.add_generation_prompt !== false) throw new VllmValidationError('Cannot set both `continue_final_message` and `add_generation_prompt` to True.', 'continue_final_message');
  const maxTokens = b.max_completion_tokens ?? b.max_tokens ?? undefined;
  const params = sampling({ ...b, max_tokens: maxTokens }, undefined, b.logprobs ? (b.top_logprobs ?? 0) : undefined, limits.maxLogprobs, limits.vocabSize);
  return { ...params, messages: b.messages.map((m) => ({ role: m.role, content: messageContent(m.content) })) };
}
