export * from './start-otel';
export * from './trace-context';
