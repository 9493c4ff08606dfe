// NestJS-side infrastructure shared by llmd's services: config, logging, metrics, health, gRPC, Kafka, OpenTelemetry.
export * from './config';
export * from './logging';
export * from './metrics';
export * from './health';
export * from './grpc';
export * from './kafka';
export * from './otel';
export * from './lifecycle';
export * from './discovery';
export * from './tls';
export * from './random';
