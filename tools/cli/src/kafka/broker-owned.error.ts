// The local broker belongs to another running llmd process: starting a second stack on it, or
// stopping it from outside that stack, is refused.
export class BrokerOwnedError extends Error {
  readonly code = 'LLMD_KAFKA_OWNED';
  constructor(
    readonly ownerPid: number,
    readonly dir: string,
    message: string,
  ) {
    super(message);
    this.name = 'BrokerOwnedError';
  }
}
