export * from './create-registry';
export { Counter, Gauge, Histogram, Registry } from 'prom-client';
export * from './bound-histogram';
