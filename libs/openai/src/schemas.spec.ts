import { ApiError } from './errors';
import { chatCompletionRequestSchema, completionRequestSchema, messageText, parseRequest } from './schemas';

describe('parseRequest', () => {
  it.each([
    ['missing messages', chatCompletionRequestSchema, { model: 'm' }, 'messages', /Missing required parameter: 'messages'/],
    ['empty messages', chatCompletionRequestSchema, { model: 'm', messages: [] }, 'messages', /Invalid value for 'messages'/],
    ['missing model', chatCompletionRequestSchema, { messages: [{ role: 'user', content: 'hi' }] }, 'model', /Missing required parameter: 'model'/],
    ['a role that is not a string', chatCompletionRequestSchema, { model: 'm', messages: [{ role: 3, content: 'hi' }] }, 'messages.0.role', /Invalid value/],
    ['a fractional max_tokens', chatCompletionRequestSchema, { model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 1.5 }, 'max_tokens', /Invalid value/],
    ['n that is not a number', chatCompletionRequestSchema, { model: 'm', messages: [{ role: 'user', content: 'hi' }], n: 'two' }, 'n', /Invalid value/],
    ['include_usage that is not a boolean', chatCompletionRequestSchema, { model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: 'yes' } }, 'stream_options.include_usage', /Invalid value/],
    ['no prompt', completionRequestSchema, { model: 'm' }, 'prompt', /Either prompt or prompt_embeds/],
    ['a prompt mixing text and token ids', completionRequestSchema, { model: 'm', prompt: ['a', 1] }, 'prompt', /Invalid value/],
    ['negative token ids', completionRequestSchema, { model: 'm', prompt: [[1, -2]] }, 'prompt.0.1', /Invalid value/],
  ])('rejects %s', (_name, schema, body, param, message) => {
    let error: unknown;
    try {
      parseRequest(schema as typeof completionRequestSchema, body);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ApiError);
    const api = error as ApiError;
    expect(api.status).toBe(400);
    expect(api.toBody().error).toMatchObject({ type: 'invalid_request_error', param, code: 'invalid_request' });
    expect(api.message).toMatch(message);
  });

  it.each([[null], [[1, 2]], ['text']])('rejects a non-object body %p', (body) => {
    expect(() => parseRequest(chatCompletionRequestSchema, body)).toThrow(/JSON object/);
  });

  it('keeps fields it does not interpret (tools, response_format)', () => {
    const body = {
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      tools: [{ type: 'function', function: { name: 'f', parameters: {} } }],
      response_format: { type: 'json_object' },
    };
    expect(parseRequest(chatCompletionRequestSchema, body)).toEqual(body);
  });

  it.each([['text'], [['one']], [['one', 'two']], [[1, 2, 3]], [[[1, 2], [3]]]])('accepts completion prompt %p (one, or a batch)', (prompt) => {
    expect(parseRequest(completionRequestSchema, { model: 'm', prompt }).prompt).toEqual(prompt);
  });

  // What vLLM accepts, passed through as sent: the pod answers for the values (its own 400).
  it.each([
    ['n and best_of above 1', completionRequestSchema, { model: 'm', prompt: 'x', n: 3, best_of: 4 }],
    ['logprobs, echo, ignore_eos and vLLM sampling extras', completionRequestSchema, { model: 'm', prompt: 'x', logprobs: 5, echo: true, ignore_eos: true, top_k: 20, min_p: 0.1, repetition_penalty: 1.0, min_tokens: 2 }],
    ['benchmark-client fields (null logprobs, stream_options)', completionRequestSchema, { model: 'm', prompt: 'x', temperature: 0.0, repetition_penalty: 1.0, max_tokens: 8, logprobs: null, stream: true, stream_options: { include_usage: true, continuous_usage_stats: true } }],
    ['prompt_embeds instead of a prompt', completionRequestSchema, { model: 'm', prompt_embeds: 'AAAA' }],
    ['sampling values vLLM itself judges', chatCompletionRequestSchema, { model: 'm', messages: [{ role: 'user', content: 'x' }], temperature: 7, top_p: 0, stop: ['a', 'b', 'c', 'd', 'e'], seed: -1, max_tokens: 0, n: 0 }],
    ['logprobs and top_logprobs on chat', chatCompletionRequestSchema, { model: 'm', messages: [{ role: 'user', content: 'x' }], logprobs: true, top_logprobs: 5 }],
    ['custom roles and bare text parts', chatCompletionRequestSchema, { model: 'm', messages: [{ role: 'critic', content: [{ text: 'x' }] }] }],
  ])('accepts %s, unchanged', (_name, schema, body) => {
    expect(parseRequest(schema as typeof completionRequestSchema, body)).toEqual(body);
  });
});

describe('messageText', () => {
  it.each([
    ['hello', 'hello'],
    [null, ''],
    [[{ type: 'text', text: 'a' }, { type: 'image_url', image_url: {} }, { type: 'text', text: 'b' }], 'ab'],
  ])('%p -> %p', (content, text) => {
    expect(messageText(content as never)).toBe(text);
  });
});
