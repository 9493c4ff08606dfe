export * from './kafka-client';
export * from './kafka-security';
export * from './buffered-producer';
export * from './reliable-producer';
export * from './partition-ownership';
export * from './topic-consumer';
export * from "./kafka.module";
