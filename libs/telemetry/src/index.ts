// Kafka topic names, record shapes and protobuf codecs of llmd's telemetry (no NestJS, no kafkajs).
export * from './topics';
export * from './records';
export * from './codecs';
