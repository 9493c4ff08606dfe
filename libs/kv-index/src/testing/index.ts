export * from './index-conformance';
