export * from './service-shell';
export * from './service-shell.module';
export * from './run-context-service';
export * from './service-cluster';
