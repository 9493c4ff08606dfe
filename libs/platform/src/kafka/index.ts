export * from './kafka-client';
export * from './buffered-producer';
export * from './topic-consumer';
export * from "./kafka.module";
