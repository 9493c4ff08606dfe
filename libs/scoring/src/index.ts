// llmd's scheduling framework (plugin contracts, registry, config, profile runner), built-in plugins,
// and the scheduler's policies the routing simulator runs too (flow control, in-flight accounting).
export * from './framework';
export * from './plugins';
export * from './flow';
export * from './in-flight';
