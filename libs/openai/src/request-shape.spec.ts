import { clientWantsUsage, disaggregable, estimateTokens, routingPrompt, sequencesOf, withStreamUsage } from './request-shape';

describe('request shape', () => {
  it.each([
    ['a text prompt', { prompt: 'hello' }, { prompt: 'hello', promptTokenIds: [] }, 1],
    ['a token-id prompt', { prompt: [1, 2, 3] }, { prompt: '', promptTokenIds: [1, 2, 3] }, 1],
    ['a batch of text prompts: the first is scored', { prompt: ['first', 'second'] }, { prompt: 'first', promptTokenIds: [] }, 2],
    ['a batch of token-id prompts: the first is scored', { prompt: [[4, 5], [6]] }, { prompt: '', promptTokenIds: [4, 5] }, 2],
    ['a one-prompt list', { prompt: ['only'] }, { prompt: 'only', promptTokenIds: [] }, 1],
    ['chat messages', { messages: [{ content: 'x' }] }, { prompt: '', promptTokenIds: [] }, 1],
    ['n choices per prompt', { prompt: ['a', 'b'], n: 3 }, { prompt: 'a', promptTokenIds: [] }, 6],
    ['best_of above n', { prompt: 'a', n: 1, best_of: 4 }, { prompt: 'a', promptTokenIds: [] }, 4],
    ['chat with n', { messages: [{ content: 'x' }], n: 2 }, { prompt: '', promptTokenIds: [] }, 2],
  ])('%s', (_name, body, routed, sequences) => {
    expect(routingPrompt(body)).toEqual(routed);
    expect(sequencesOf(body)).toBe(sequences);
    expect(disaggregable(body)).toBe(sequences === 1);
  });

  it.each([
    ['no stream_options', {}, false],
    ['stream_options without include_usage (vLLM defaults it to true)', { stream_options: {} }, true],
    ['include_usage true', { stream_options: { include_usage: true } }, true],
    ['include_usage false', { stream_options: { include_usage: false } }, false],
    ['include_usage null', { stream_options: { include_usage: null } }, false],
    ['stream_options null', { stream_options: null }, false],
  ])('usage for the client: %s', (_name, body, wants) => {
    expect(clientWantsUsage(body)).toBe(wants);
  });

  it.each([
    ['a whole response: untouched', { stream: false }, { stream: false }, false],
    ['a stream without stream_options: usage asked for, to be removed', { stream: true }, { stream: true, stream_options: { include_usage: true } }, true],
    ['a stream that asks for usage: untouched', { stream: true, stream_options: { include_usage: true } }, { stream: true, stream_options: { include_usage: true } }, false],
    ['usage off but continuous usage on: no continuous usage upstream', { stream: true, stream_options: { include_usage: false, continuous_usage_stats: true } }, { stream: true, stream_options: { include_usage: true } }, true],
  ])('upstream stream options: %s', (_name, body, upstream, strip) => {
    expect(withStreamUsage(body)).toEqual({ body: upstream, stripUsage: strip });
  });

  it.each([
    ['the default completion budget', { prompt: 'x' }, 10, 10 + 256],
    ['max_tokens', { prompt: 'x', max_tokens: 5 }, 10, 15],
    ['max_completion_tokens wins', { messages: [], max_tokens: 5, max_completion_tokens: 7 }, 10, 17],
    ['each sequence of a batch with n', { prompt: ['a', 'b'], n: 2, max_tokens: 5 }, 10, 30],
    ['a negative limit counts nothing (the pod refuses it)', { prompt: 'x', max_tokens: -5 }, 10, 10],
  ])('estimates %s', (_name, body, prompt, tokens) => {
    expect(estimateTokens(body, prompt)).toBe(tokens);
  });
});
