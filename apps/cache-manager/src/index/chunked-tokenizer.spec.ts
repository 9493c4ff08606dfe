import { loadTokenizer } from '@llmd/tokenizer';
import { ChunkedTokenizer, RawTokenizer, wordChunks } from '@llmd/kv-index';

const words = 'alpha beta gamma delta, epsilon zeta: eta theta iota kappa. Lambda mu nu 42 xi omicron pi rho sigma tau café naïve 東京 upsilon'.split(' ');
const text = (n: number, seed: number) => Array.from({ length: n }, (_, i) => words[(i * 7 + seed) % words.length]).join(' ');

/** The library tokenizer with its encodeRaw calls counted (characters tokenized). */
function counted(source: string) {
  const inner = loadTokenizer(source);
  const seen = { chars: 0 };
  const raw: RawTokenizer = {
    encodePrompt: (t) => inner.encodePrompt(t),
    encodeChat: (m) => inner.encodeChat(m),
    renderChat: (m) => inner.renderChat(m),
    encodeRaw: (t) => ((seen.chars += t.length), inner.encodeRaw(t)),
  };
  return { inner, raw, seen };
}

describe('wordChunks', () => {
  it.each([
    ['cuts before a space between letters, at least `every` apart', 'aaa bbb ccc ddd', 4, ['aaa bbb', ' ccc', ' ddd']],
    ['never between a letter and a digit or punctuation', 'ab 12 cd, ef', 1, ['ab 12 cd, ef']],
    ['never before a run of spaces', 'ab  cd ef', 1, ['ab  cd', ' ef']],
    ['keeps short text whole', 'short', 100, ['short']],
  ])('%s', (_name, input, every, expected) => {
    expect(wordChunks(input, every)).toEqual(expected);
    expect(wordChunks(input, every).join('')).toBe(input);
  });

  it('cuts a shared prefix the same way whatever follows it', () => {
    const prefix = text(600, 1);
    const a = wordChunks(`${prefix} ${text(50, 2)}`, 256);
    const b = wordChunks(`${prefix} ${text(50, 3)}`, 256);
    const common = a.findIndex((c, i) => c !== b[i]);
    expect(common).toBeGreaterThan(5);
    expect(a.slice(0, common).join('').length).toBeGreaterThan(prefix.length - 300);
  });
});

describe('ChunkedTokenizer', () => {
  it.each(['builtin:llama-3', 'builtin:qwen3', 'builtin:deepseek-v3', 'builtin:gpt-oss'])('%s: chunked chat ids equal the whole chat’s, and a shared prefix is tokenized once', async (source) => {
    const { inner, raw, seen } = counted(source);
    const chunked = new ChunkedTokenizer(raw, { chunkChars: 512, maxChunks: 100 });
    expect(await chunked.ready).toBe(true);
    const prefix = text(3000, 1);
    const chat = (q: number) => [{ role: 'user', content: `${prefix} ${text(200, q)}` }];
    for (const q of [2, 3]) expect(await chunked.encodeChat(chat(q))).toEqual(await inner.encodeChat(chat(q)));
    // Both prompts checked against the library: count what the chunked path alone tokenizes.
    seen.chars = 0;
    await chunked.encodeChat(chat(4));
    const question = `${text(200, 4)}`.length;
    expect(seen.chars).toBeLessThan(question + 2 * 512 + 200);
  }, 60000);

  it('gives Gemma-3’s own ids for a long chat, chunked or not', async () => {
    const { inner, raw } = counted('builtin:gemma-3');
    const chunked = new ChunkedTokenizer(raw, { chunkChars: 512, maxChunks: 100 });
    await chunked.ready;
    const chat = [{ role: 'user', content: `${text(2000, 1)} ${text(100, 2)}` }];
    expect(await chunked.encodeChat(chat)).toEqual(await inner.encodeChat(chat));
  }, 60000);

  it('falls back to the tokenizer’s own encodeChat when the self-check disagrees', async () => {
    // A tokenizer whose ids depend on where the text is cut (one id per call): chunks cannot be joined.
    let calls = 0;
    const odd: RawTokenizer = { encodePrompt: () => [], encodeChat: async () => [7], renderChat: () => 'a b c', encodeRaw: async () => [calls++] };
    const chunked = new ChunkedTokenizer(odd, { chunkChars: 1, maxChunks: 10 });
    expect(await chunked.ready).toBe(false);
    expect(await chunked.encodeChat([{ role: 'user', content: 'x' }])).toEqual([7]);
  });
});
