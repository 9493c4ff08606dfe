export * from './directory-registry';
