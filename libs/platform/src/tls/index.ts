export * from './certificate-watcher';
export * from './https-options';
