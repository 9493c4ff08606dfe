// The CLI's building blocks, for the end-to-end tests and the benchmarks: the local Kafka broker,
// llmd's topics, and the local stack launcher.
export * from './kafka/kafka-broker';
export * from './kafka/topics';
export * from './stack/free-port';
export * from './stack/local-stack';
export { DIST, REPO_ROOT, STATE_DIR } from './paths';
export * from './stack/node-flags';
