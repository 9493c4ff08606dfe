// The benchmarks' building blocks, for the end-to-end tests (the live/simulator agreement check).
export * from './routing/workloads';
export * from './routing/des';
export * from './routing/live';
export * from './routing/report';
export { replayAll } from './soak/kv-truth';
