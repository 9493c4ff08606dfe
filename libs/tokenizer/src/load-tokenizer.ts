// Loads a tokenizer once per process per resolved source (tokenizer.json files run to tens of MB).
import { resolve } from 'node:path';
import { BUILTIN_PREFIX, BUILTIN_TOKENIZERS, builtinDir } from './builtin-tokenizers';
import { HfModelTokenizer } from './model-tokenizer';
import { TokenizerLoadError } from './tokenizer-load.error';

const loaded = new Map<string, HfModelTokenizer>();

/** A directory in Hugging Face layout, or `builtin:<family>`; throws TokenizerLoadError naming the path or field at fault. */
export function loadTokenizer(source: string): HfModelTokenizer {
  let dir: string;
  let override = {};
  if (source.startsWith(BUILTIN_PREFIX)) {
    const builtin = builtinDir(source);
    if (!builtin) throw new TokenizerLoadError(source, `unknown built-in tokenizer (known: ${BUILTIN_TOKENIZERS.join(', ')})`);
    ({ dir, override } = builtin);
  } else {
    dir = resolve(source);
  }
  const key = source.startsWith(BUILTIN_PREFIX) ? source : dir;
  let tokenizer = loaded.get(key);
  if (!tokenizer) {
    tokenizer = new HfModelTokenizer(source, dir, override);
    loaded.set(key, tokenizer);
  }
  return tokenizer;
}
