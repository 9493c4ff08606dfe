export * from './config-error';
export * from './load-config';
export * from './common-schemas';
export * from './transport-tls-schemas';
