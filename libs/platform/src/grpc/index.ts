export * from './grpc-server';
export * from './grpc-metadata';
