// The KV-block index (pure): which pod holds which block on which tier, an in-memory LRU backend,
// an instrumented decorator, the vLLM KV-event applier that keeps it current, and the tier-weighted
// prefix score that cache-manager and the routing simulator both give, and KvCache.Score's work.
export * from './kv-block-index';
export * from './in-memory-index';
export * from './instrumented-index';
export * from './kv-event-applier';
export * from './speculative-entries';
export * from './tier-weighted-score';
export * from './score';
