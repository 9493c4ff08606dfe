export * from './grpc-server';
export * from './grpc-metadata';
export * from './pick-stream-pool';
export * from './pick-request';
export * from './grpc-tls';
export * from './grpc-health';
