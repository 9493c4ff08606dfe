// Per-model tokenizers and chat templates (native HF tokenizers bindings, Jinja), loaded from a
// model directory in Hugging Face layout or the built-in set, tokenizing as vLLM does.
export * from './model-tokenizer';
export * from './load-tokenizer';
export { BUILTIN_TOKENIZERS, builtinFor } from './builtin-tokenizers';
export * from './tokenizer-load.error';
export * from './llama3-tokenizer';
