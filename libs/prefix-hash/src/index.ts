// Prefix hashing for cache-aware routing (pure): chained chunk hashes of prompt text or token ids,
// and a bounded per-endpoint LRU index of them.
export * from './chunk-hash';
export * from './lru-chunk-index';
export * from './token-block-keys';
export * from './lru-queue';
export * from './lru-key-table';
export * from './prompt-digest';
