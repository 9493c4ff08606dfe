// The tokenizers cache-manager can load: a Hugging Face model directory or `builtin:<family>`, each
// chunked at word boundaries (its own tokenization where that would not be exact).
import { builtinFor, loadTokenizer } from '@llmd/tokenizer';
import { ChunkedTokenizer } from '@llmd/kv-index';
import type { TokenizerLoader } from './model-tokenizers';

export const tokenizerLoader: TokenizerLoader = { load: (source) => new ChunkedTokenizer(loadTokenizer(source)), builtinFor };
