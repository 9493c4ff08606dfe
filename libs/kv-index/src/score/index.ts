// KvCache.Score's work over the index: a prompt's token ids (tokenized as its pods tokenize it, once,
// and only as far as a pod may hold it), its block keys at each pod's block size, and a score per pod.
export * from './prefix-scorer';
export * from './tokenization-cache';
export * from './chunked-tokenizer';
export * from './block-sizes';
export * from './no-tokenizer.error';
