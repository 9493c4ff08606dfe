export * from './fair-priority-queue';
export * from './flow-control.policy';
