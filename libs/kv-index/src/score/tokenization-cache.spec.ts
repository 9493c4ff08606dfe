import { inputKey, PromptTokenizer, TokenizationCache } from './tokenization-cache';

/** A tokenizer that counts its calls and answers each only when the test releases it. */
function gatedTokenizer() {
  const calls: string[] = [];
  const pending: (() => void)[] = [];
  const answer = (text: string) => new Promise<number[]>((resolve) => pending.push(() => resolve([...text].map((c) => c.charCodeAt(0)))));
  const tokenizer: PromptTokenizer = {
    encodePrompt: (text) => (calls.push(`prompt:${text}`), answer(text)),
    encodeChat: (messages) => (calls.push(`chat:${messages.map((m) => m.content).join('|')}`), answer(messages.map((m) => m.content).join(''))),
  };
  return { tokenizer, calls, pending, releaseAll: () => pending.splice(0).forEach((r) => r()) };
}

const observed = () => {
  const o = { hits: 0, tokenized: [] as number[] };
  return { o, observer: { hit: () => o.hits++, tokenized: (n: number) => o.tokenized.push(n) } };
};

describe('TokenizationCache', () => {
  it('tokenizes a request once: Score and Speculate of the same prompt share one tokenization, even in flight', async () => {
    const { tokenizer, calls, releaseAll } = gatedTokenizer();
    const { o, observer } = observed();
    const cache = new TokenizationCache({ maxEntries: 10, concurrency: 4 }, observer);
    const chat = { kind: 'chat' as const, messages: [{ role: 'system', content: 'shared' }, { role: 'user', content: 'q1' }] };
    const score = cache.tokens('m', chat, tokenizer);
    const speculate = cache.tokens('m', { kind: 'chat', messages: chat.messages.map((m) => ({ ...m })) }, tokenizer);
    releaseAll();
    expect(await score).toEqual(await speculate);
    expect(calls).toEqual(['chat:shared|q1']);
    expect(o).toEqual({ hits: 1, tokenized: [8] });
  });

  it.each([
    ['another model', 'n', { kind: 'prompt' as const, text: 'ab' }],
    ['a chat with the same text', 'm', { kind: 'chat' as const, messages: [{ role: 'user', content: 'ab' }] }],
    ['another prompt', 'm', { kind: 'prompt' as const, text: 'abc' }],
  ])('keeps %s apart', async (_name, model, input) => {
    const { tokenizer, calls, releaseAll } = gatedTokenizer();
    const cache = new TokenizationCache({ maxEntries: 10, concurrency: 4 });
    const first = cache.tokens('m', { kind: 'prompt', text: 'ab' }, tokenizer);
    const second = cache.tokens(model, input, tokenizer);
    releaseAll();
    await Promise.all([first, second]);
    expect(calls).toHaveLength(2);
  });

  it('does not confuse messages whose fields join to the same text', () => {
    const a = inputKey('m', { kind: 'chat', messages: [{ role: 'user', content: 'ab' }, { role: 'user', content: 'c' }] });
    const b = inputKey('m', { kind: 'chat', messages: [{ role: 'user', content: 'a' }, { role: 'user', content: 'bc' }] });
    expect(a).not.toBe(b);
  });

  it('forgets the least recently used prompt beyond maxEntries', async () => {
    const { tokenizer, calls } = gatedTokenizer();
    const cache = new TokenizationCache({ maxEntries: 2, concurrency: 8 });
    for (const text of ['a', 'b', 'a', 'c', 'a', 'b']) void cache.tokens('m', { kind: 'prompt', text }, tokenizer);
    // a kept (used again before c came), b dropped when c came, so b is tokenized twice.
    expect(calls).toEqual(['prompt:a', 'prompt:b', 'prompt:c', 'prompt:b']);
    expect(cache.size).toBe(2);
  });

  it('runs at most `concurrency` tokenizations at once, and starts the next as one finishes', async () => {
    const { tokenizer, calls, pending } = gatedTokenizer();
    const cache = new TokenizationCache({ maxEntries: 10, concurrency: 2 });
    const all = ['a', 'b', 'c', 'd'].map((text) => cache.tokens('m', { kind: 'prompt', text }, tokenizer));
    await new Promise(setImmediate);
    expect(calls).toEqual(['prompt:a', 'prompt:b']);
    pending.shift()?.();
    await all[0];
    await new Promise(setImmediate);
    expect(calls).toEqual(['prompt:a', 'prompt:b', 'prompt:c']);
    while (pending.length > 0 || calls.length < 4) {
      pending.shift()?.();
      await new Promise(setImmediate);
    }
    await Promise.all(all);
    expect(calls).toHaveLength(4);
  });

  it('does not remember a failed tokenization', async () => {
    let fail = true;
    const tokenizer: PromptTokenizer = { encodePrompt: async () => (fail ? Promise.reject(new Error('boom')) : [1]), encodeChat: async () => [] };
    const cache = new TokenizationCache({ maxEntries: 10, concurrency: 1 });
    await expect(cache.tokens('m', { kind: 'prompt', text: 'x' }, tokenizer)).rejects.toThrow('boom');
    fail = false;
    await expect(cache.tokens('m', { kind: 'prompt', text: 'x' }, tokenizer)).resolves.toEqual([1]);
  });
});
