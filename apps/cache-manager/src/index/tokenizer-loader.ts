// The tokenizers cache-manager can load: a Hugging Face model directory or `builtin:<family>`.
import { builtinFor, loadTokenizer } from '@llmd/tokenizer';
import type { TokenizerLoader } from './model-tokenizers';

export const tokenizerLoader: TokenizerLoader = { load: loadTokenizer, builtinFor };
