// Request schemas of the OpenAI-compatible API, as a proxy in front of vLLM reads them: only the fields
// the gateway itself uses are typed (model, stream, limits, the prompt it routes on); every other field
// (sampling, logprobs, echo, best_of, ignore_eos, tools, ...) passes through untouched, and vLLM answers
// for its values with its own 400. Nothing here is stricter than vLLM's OpenAI server.
import { z } from 'zod';
import { ApiError } from './errors';

/** A content part: vLLM also takes a bare `{text}` part without a type. */
const contentPart = z.looseObject({ type: z.string().optional() });

export const chatMessageSchema = z.looseObject({
  /** Any role: vLLM hands custom roles to the chat template. */
  role: z.string(),
  content: z.union([z.string(), z.array(contentPart), z.null()]).optional(),
});

/** Token ids as vLLM and the scheduler's Pick (uint32) take them; larger ones are in no vocabulary. */
const tokenIds = z.array(z.number().int().nonnegative().max(2 ** 32 - 1));

const common = {
  model: z.string().min(1),
  stream: z.boolean().nullish(),
  /** vLLM's include_usage defaults to true once stream_options is given. */
  stream_options: z.looseObject({ include_usage: z.boolean().nullish(), continuous_usage_stats: z.boolean().nullish() }).nullish(),
  max_tokens: z.number().int().nullish(),
  /** Choices per prompt; more than one is served by one pod (never disaggregated). */
  n: z.number().int().nullish(),
  best_of: z.number().int().nullish(),
};

export const chatCompletionRequestSchema = z.looseObject({
  ...common,
  /**
   * At least one message, as OpenAI requires: vLLM's request model takes an empty list and leaves it
   * to the chat template, which fails on it for the Llama-3 and Gemma-3 families (a 400 either way).
   */
  messages: z.array(chatMessageSchema).min(1),
  max_completion_tokens: z.number().int().nullish(),
});

/** One prompt (text or token ids) or a batch of them, as vLLM's /v1/completions takes it. */
export const completionPromptSchema = z.union([z.string(), tokenIds, z.array(z.string()), z.array(tokenIds)]);

export const completionRequestSchema = z
  .looseObject({
    ...common,
    prompt: completionPromptSchema.nullish(),
  })
  .refine((b) => b.prompt != null || b['prompt_embeds'] != null, { message: 'Either prompt or prompt_embeds must be provided and non-empty.', path: ['prompt'] });

export const embeddingRequestSchema = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.string()).min(1), z.array(z.number().int().nonnegative()).min(1), z.array(z.array(z.number().int().nonnegative()).min(1)).min(1)]),
  encoding_format: z.enum(['float', 'base64']).nullish(),
  dimensions: z.number().int().positive().nullish(),
  user: z.string().nullish(),
});

/** vLLM's /tokenize: a completion prompt or chat messages. */
export const tokenizeRequestSchema = z.union([
  z.looseObject({ model: z.string().min(1), prompt: z.string() }),
  z.looseObject({ model: z.string().min(1), messages: z.array(chatMessageSchema).min(1) }),
]);

export type ChatMessage = z.infer<typeof chatMessageSchema>;
export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;
export type CompletionRequest = z.infer<typeof completionRequestSchema>;

/** The value at a parse issue's path in the body (undefined when absent). */
function valueAt(body: unknown, path: readonly PropertyKey[]): unknown {
  let v = body;
  for (const key of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}

/** Parses a request body or throws an ApiError naming the first bad field in `param`. */
export function parseRequest<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ApiError('invalid_request', 'Request body must be a JSON object.');
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const param = issue.path.map(String).join('.') || null;
  const missing = issue.code === 'invalid_type' && valueAt(body, issue.path) === undefined;
  const message = missing ? `Missing required parameter: '${param}'.` : `Invalid value for '${param}': ${issue.message}`;
  throw new ApiError('invalid_request', message, param);
}

/** The text of a chat message's content (text parts joined), for routing decisions. */
export function messageText(content: ChatMessage['content']): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  return content.map((p) => (typeof p['text'] === 'string' ? p['text'] : '')).join('');
}
