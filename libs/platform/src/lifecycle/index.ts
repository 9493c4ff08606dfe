export * from './service-shell';
export * from './service-shell.module';
