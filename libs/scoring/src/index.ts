// llmd's scheduling framework (plugin contracts, registry, config, profile runner) and built-in plugins.
export * from './framework';
export * from './plugins';
export * from './flow';
