import { ApiError } from './errors';
import { chatCompletionRequestSchema, completionRequestSchema, messageText, parseRequest } from './schemas';

describe('parseRequest', () => {
  it.each([
    ['missing messages', { model: 'm' }, 'messages', /Missing required parameter: 'messages'/],
    ['empty messages', { model: 'm', messages: [] }, 'messages', /Invalid value for 'messages'/],
    ['missing model', { messages: [{ role: 'user', content: 'hi' }] }, 'model', /Missing required parameter: 'model'/],
    ['bad role', { model: 'm', messages: [{ role: 'robot', content: 'hi' }] }, 'messages.0.role', /Invalid value/],
    ['bad max_tokens', { model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: -1 }, 'max_tokens', /Invalid value/],
    ['n above 1', { model: 'm', messages: [{ role: 'user', content: 'hi' }], n: 2 }, 'n', /Invalid value/],
  ])('rejects %s with param %s', (_name, body, param, message) => {
    let error: unknown;
    try {
      parseRequest(chatCompletionRequestSchema, body);
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

  it.each([['text'], [['one']], [[1, 2, 3]]])('accepts completion prompt %p', (prompt) => {
    expect(parseRequest(completionRequestSchema, { model: 'm', prompt }).prompt).toEqual(prompt);
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
