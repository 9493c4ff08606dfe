/** The scheduling config names something wrong; `field` is its path in the config. */
export class SchedulingConfigError extends Error {
  readonly code = 'SCHEDULING_CONFIG_INVALID';
  constructor(readonly field: string, readonly reason: string) {
    super(`invalid scheduling config: ${field}: ${reason}`);
    this.name = 'SchedulingConfigError';
  }
}
