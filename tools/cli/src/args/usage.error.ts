// A command line the CLI refuses: an unknown flag, a missing or malformed value. Always names the flag.
export class UsageError extends Error {
  readonly code = 'LLMD_CLI_USAGE';
  constructor(
    /** The command refusing it, e.g. `llmd up`. */
    readonly command: string,
    message: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}
