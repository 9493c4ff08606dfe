/** A configuration value failed validation; `field` is its dotted path (e.g. `grpc.port`). */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly field: string, readonly reason: string) {
    super(`invalid config: ${field}: ${reason}`);
    this.name = 'ConfigError';
  }
}
