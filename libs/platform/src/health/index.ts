export * from './health-checks';
export * from './ops-server';
