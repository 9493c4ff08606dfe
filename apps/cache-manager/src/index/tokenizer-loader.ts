// The tokenizers cache-manager can load, by source (a model directory or `builtin:<family>`).
import { Llama3Tokenizer } from '@llmd/tokenizer';
import type { TokenizerLoader } from './model-tokenizers';

/** Built-in families this build ships; model directories need the per-model tokenizer library. */
export const tokenizerLoader: TokenizerLoader = {
  load(source) {
    if (source === 'builtin:llama-3') return Llama3Tokenizer.load();
    throw new Error(`unsupported tokenizer source ${source} (this build loads builtin:llama-3 only)`);
  },
  builtinFor: (model) => (/llama-?3/i.test(model) ? 'builtin:llama-3' : undefined),
};
