// OpenAI request/response schemas and the OpenAI error shape (pure: no I/O).
export * from './errors';
export * from './schemas';
export * from './request-shape';
export * from './sse-relay';
