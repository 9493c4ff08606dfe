// The Llama-3 tokenizer under its former name, for callers that have not moved to loadTokenizer.
import { loadTokenizer } from './load-tokenizer';
import type { ModelTokenizer } from './model-tokenizer';

export const BOS_ID = 128000;

/** @deprecated use loadTokenizer('builtin:llama-3') */
export type Llama3Tokenizer = ModelTokenizer;
/** @deprecated use loadTokenizer('builtin:llama-3') */
export const Llama3Tokenizer = { load: (): ModelTokenizer => loadTokenizer('builtin:llama-3') };
