export * from './fair-priority-queue';
