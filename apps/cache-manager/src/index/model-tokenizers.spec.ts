import { ModelTokenizers, TokenizerLoader, TokenizerResolution } from './model-tokenizers';
import type { PromptTokenizer } from '@llmd/kv-index';

const fake = (source: string): PromptTokenizer & { source: string } => ({ source, encodePrompt: () => [], encodeChat: () => [] });

function make(options: Partial<ConstructorParameters<typeof ModelTokenizers>[0]> = {}, dirs: string[] = []) {
  const loaded: string[] = [];
  const resolved: TokenizerResolution[] = [];
  const loader: TokenizerLoader = {
    load: (source) => {
      if (source.includes('broken')) throw new Error('no tokenizer.json');
      loaded.push(source);
      return fake(source);
    },
    builtinFor: (model) => (model.includes('qwen3') ? 'builtin:qwen3' : undefined),
  };
  const tokenizers = new ModelTokenizers({ tokenizers: {}, tokenizerRoot: '/model-cache', builtinTokenizers: true, ...options }, loader, (r) => resolved.push(r), (dir) => dirs.includes(dir));
  return { tokenizers, loaded, resolved };
}

describe('ModelTokenizers', () => {
  it.each([
    ['named in config first', { tokenizers: { 'org/qwen3-8b': '/mnt/qwen' } }, ['/model-cache/org/qwen3-8b'], '/mnt/qwen'],
    ['then <root>/<model> when it is a model directory', {}, ['/model-cache/org/qwen3-8b'], '/model-cache/org/qwen3-8b'],
    ['then the built-in guess by name', {}, [], 'builtin:qwen3'],
  ])('finds a model tokenizer: %s', (_name, options, dirs, source) => {
    const { tokenizers } = make(options, dirs);
    expect((tokenizers.get('org/qwen3-8b') as unknown as { source: string }).source).toBe(source);
  });

  it.each([
    ['no source at all', {}, 'mistral-7b', /no tokenizer named/],
    ['built-in guesses off', { builtinTokenizers: false }, 'org/qwen3-8b', /no tokenizer named/],
    ['a source that fails to load', { tokenizers: { m: '/broken' } }, 'm', /failed to load: no tokenizer.json/],
  ])('has none for %s, says so once, and does not retry', (_name, options, model, reason) => {
    const { tokenizers, resolved } = make(options);
    expect(tokenizers.get(model)).toBeUndefined();
    expect(tokenizers.get(model)).toBeUndefined();
    expect(resolved).toHaveLength(1);
    expect(resolved[0]).toMatchObject({ model, reason: expect.stringMatching(reason) });
  });

  it('loads each model once, and says at start which models have none', () => {
    const { tokenizers, loaded, resolved } = make();
    tokenizers.preload(['a-qwen3', 'mistral', 'a-qwen3']);
    tokenizers.get('a-qwen3');
    expect(loaded).toEqual(['builtin:qwen3']);
    expect(resolved.map((r) => [r.model, 'tokenizer' in r])).toEqual([['a-qwen3', true], ['mistral', false]]);
  });
});
