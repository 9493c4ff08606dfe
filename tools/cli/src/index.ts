// The CLI's building blocks, for the end-to-end tests and the benchmarks: declarative command lines,
// the local Kafka broker (owned and supervised), llmd's topics, and the local stack launcher.
export * from './args';
export * from './kafka/broker-owned.error';
export * from './kafka/broker-ownership';
export * from './kafka/broker-supervisor';
export * from './kafka/group-coordinator';
export * from './kafka/kafka-broker';
export * from './kafka/topics';
export * from './stack/free-port';
export * from './stack/local-stack';
export * from './stack/local-registry';
export * from './stack/pool-control';
export { DIST, REPO_ROOT, STATE_DIR } from './paths';
export * from './stack/node-flags';
export { clusterBrokerOptions, clusterLayout } from './cluster/cluster-layout';
export { parseClusterConfig } from './cluster/cluster-config';
export { DEMO_DEPLOYMENT, DEMO_NAMESPACE } from './cluster/cluster-demo';
