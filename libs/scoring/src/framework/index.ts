export * from './endpoint';
export * from './request';
export * from './cycle-state';
export * from './plugin';
export * from './registry';
export * from './config';
export * from './scheduler';
export * from './scheduling-error';
