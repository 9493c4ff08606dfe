export * from './directory-registry';
export * from './kubernetes-pods';
