import { promptTokensOf } from './prompt-length';

describe('promptTokensOf', () => {
  it.each([
    ['a text prompt, 4 characters a token', { prompt: 'x'.repeat(10) }, 3],
    ['a batch of text prompts', { prompt: ['x'.repeat(8), 'y'.repeat(8)] }, 4],
    ['a token-id prompt, counted', { prompt: [1, 2, 3, 4, 5] }, 5],
    ['a batch of token-id prompts', { prompt: [[1, 2], [3, 4, 5]] }, 5],
    ['chat messages, string and part contents', { messages: [{ content: 'x'.repeat(8) }, { content: [{ type: 'text', text: 'y'.repeat(8) }, { type: 'image_url', image_url: { url: 'u' } }] }] }, 4],
    ['a message without content', { messages: [{ content: null }] }, 0],
    ['nothing to count', {}, 0],
  ])('%s', (_name, body, tokens) => {
    expect(promptTokensOf(body)).toBe(tokens);
  });
});
