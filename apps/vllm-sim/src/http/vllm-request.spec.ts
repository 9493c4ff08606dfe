import { parseChatRequest, parseCompletionRequest, VllmValidationError } from './vllm-request';

const limits = { maxLogprobs: 20, vocabSize: 128256 };
const completion = (extra: Record<string, unknown>) => parseCompletionRequest({ model: 'm', prompt: 'hi', ...extra }, limits);
const chat = (extra: Record<string, unknown>) => parseChatRequest({ model: 'm', messages: [{ role: 'user', content: 'hi' }], ...extra }, limits);

function refusal(run: () => unknown): { message: string; param: string | null } {
  try {
    run();
  } catch (err) {
    if (err instanceof VllmValidationError) return { message: err.message, param: err.param };
    throw err;
  }
  throw new Error('accepted');
}

describe('parseCompletionRequest', () => {
  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ['a string prompt, vLLM defaults (16 tokens, n=1)', {}, { prompts: [{ text: 'hi' }], n: 1, maxTokens: 16, stream: false, echo: false, logprobs: undefined }],
    ['a batch of strings', { prompt: ['a', 'b'] }, { prompts: [{ text: 'a' }, { text: 'b' }] }],
    ['token ids', { prompt: [1, 2, 3] }, { prompts: [{ ids: [1, 2, 3] }] }],
    ['a batch of token-id lists', { prompt: [[1], [2, 3]] }, { prompts: [{ ids: [1] }, { ids: [2, 3] }] }],
    ['n, echo, logprobs, stop as a string', { n: 3, echo: true, logprobs: 5, stop: 'x' }, { n: 3, echo: true, logprobs: 5, stop: ['x'] }],
    ['logprobs -1 as the vocabulary, allowed by --max-logprobs -1', {}, {}],
    ['usage only when streaming', { stream: true, stream_options: { include_usage: true } }, { stream: true, includeUsage: true }],
    ['usage by default once stream_options is given, as vLLM', { stream: true, stream_options: {} }, { stream: true, includeUsage: true }],
    ['no usage when include_usage is null', { stream: true, stream_options: { include_usage: null } }, { stream: true, includeUsage: false }],
    ['unknown fields, ignored as vLLM ignores them', { frobnicate: 1, top_k: 5, min_p: 0.1 }, { n: 1 }],
    ['no model: the served one', { model: undefined }, { model: undefined }],
  ])('accepts %s', (_name, extra, expected) => {
    expect(completion(extra)).toMatchObject(expected);
  });

  it('takes logprobs -1 as the whole vocabulary when --max-logprobs is -1', () => {
    expect(parseCompletionRequest({ prompt: 'x', logprobs: -1 }, { maxLogprobs: -1, vocabSize: 100 }).logprobs).toBe(100);
  });

  it.each<[string, Record<string, unknown>, string, string | null]>([
    ['no prompt', { prompt: undefined }, 'Either prompt or prompt_embeds must be provided and non-empty.', 'prompt'],
    ['an empty prompt list', { prompt: [] }, 'prompt: Input should be a valid string, list of strings, list of token ids or list of lists of token ids', 'prompt'],
    ['a prompt of mixed types', { prompt: ['a', 1] }, 'prompt: Input should be a valid string, list of strings, list of token ids or list of lists of token ids', 'prompt'],
    ['n of the wrong type', { n: 'two' }, 'n: Input should be a valid integer', 'n'],
    ['n = 0', { n: 0 }, 'n must be at least 1, got 0.', 'n'],
    ['best_of below n', { n: 3, best_of: 2 }, 'best_of must be greater than or equal to n, got n=3 and best_of=2.', 'best_of'],
    ['n > 1 with greedy sampling', { n: 2, temperature: 0 }, 'n must be 1 when using greedy sampling, got 2.', 'n'],
    ['a negative temperature', { temperature: -1 }, 'temperature must be non-negative, got -1.', 'temperature'],
    ['top_p of 0', { top_p: 0 }, 'top_p must be in (0, 1], got 0.', 'top_p'],
    ['presence_penalty out of range', { presence_penalty: 3 }, 'presence_penalty must be in [-2, 2], got 3.', 'presence_penalty'],
    ['frequency_penalty out of range', { frequency_penalty: -2.5 }, 'frequency_penalty must be in [-2, 2], got -2.5.', 'frequency_penalty'],
    ['repetition_penalty of 0', { repetition_penalty: 0 }, 'repetition_penalty must be greater than zero, got 0.', 'repetition_penalty'],
    ['min_p above 1', { min_p: 2 }, 'min_p must be in [0, 1], got 2.', 'min_p'],
    ['max_tokens of 0', { max_tokens: 0 }, 'max_tokens must be at least 1, got 0.', 'max_tokens'],
    ['min_tokens above max_tokens', { max_tokens: 4, min_tokens: 5 }, 'min_tokens must be less than or equal to max_tokens=4, got 5.', 'min_tokens'],
    ['an empty stop string', { stop: ['a', ''] }, 'stop cannot contain an empty string.', 'stop'],
    ['logprobs above --max-logprobs', { logprobs: 21 }, 'Requested sample logprobs of 21, which is greater than max allowed: 20', 'logprobs'],
    ['logprobs -1 (the vocabulary) above --max-logprobs', { logprobs: -1 }, 'Requested sample logprobs of 128256, which is greater than max allowed: 20', 'logprobs'],
    ['negative logprobs', { logprobs: -2 }, '`logprobs` must be a positive value or -1.', 'logprobs'],
    ['stream_options without stream', { stream_options: { include_usage: true } }, 'Stream options can only be defined when `stream=True`.', 'stream_options'],
    ['prompt_logprobs when streaming', { stream: true, prompt_logprobs: 1 }, '`prompt_logprobs` are not available when `stream=True`.', 'prompt_logprobs'],
    ['a suffix', { suffix: 'x' }, 'suffix is not currently supported', 'suffix'],
  ])('refuses %s with vLLM\'s text', (_name, extra, message, param) => {
    expect(refusal(() => completion(extra))).toEqual({ message, param });
  });

  it('refuses a body that is not an object', () => {
    expect(refusal(() => parseCompletionRequest([1], limits)).message).toBe('Input should be a valid dictionary or object to extract fields from');
  });
});

describe('parseChatRequest', () => {
  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ['defaults: as many tokens as fit, no logprobs', {}, { n: 1, maxTokens: undefined, logprobs: undefined }],
    ['logprobs without top_logprobs: the sampled token only', { logprobs: true }, { logprobs: 0 }],
    ['logprobs with top_logprobs', { logprobs: true, top_logprobs: 3, n: 2 }, { logprobs: 3, n: 2 }],
    ['max_completion_tokens over max_tokens', { max_tokens: 9, max_completion_tokens: 4 }, { maxTokens: 4 }],
    ['content parts, null content', { messages: [{ role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }, { role: 'assistant', content: null }] }, { messages: [{ role: 'user', content: 'ab' }, { role: 'assistant', content: '' }] }],
  ])('accepts %s', (_name, extra, expected) => {
    expect(chat(extra)).toMatchObject(expected);
  });

  it.each<[string, Record<string, unknown>, string, string | null]>([
    ['no messages', { messages: undefined }, 'messages: Input should be a valid list', 'messages'],
    ['a message without a role', { messages: [{ content: 'x' }] }, 'messages.0.role: Input should be a valid string', 'messages'],
    ['top_logprobs without logprobs', { top_logprobs: 2 }, 'when using `top_logprobs`, `logprobs` must be set to true.', 'top_logprobs'],
    ['negative top_logprobs', { logprobs: true, top_logprobs: -3 }, '`top_logprobs` must be a positive value or -1.', 'top_logprobs'],
    ['top_logprobs above --max-logprobs', { logprobs: true, top_logprobs: 25 }, 'Requested sample logprobs of 25, which is greater than max allowed: 20', 'logprobs'],
    ['logprobs of the wrong type', { logprobs: 3 }, 'logprobs: Input should be a valid boolean', 'logprobs'],
    ['continue_final_message with add_generation_prompt', { continue_final_message: true }, 'Cannot set both `continue_final_message` and `add_generation_prompt` to True.', 'continue_final_message'],
    ['max_completion_tokens of 0', { max_completion_tokens: 0 }, 'max_tokens must be at least 1, got 0.', 'max_tokens'],
  ])('refuses %s with vLLM\'s text', (_name, extra, message, param) => {
    expect(refusal(() => chat(extra))).toEqual({ message, param });
  });
});
