// An error a retry cannot fix (an invalid spec): the controller records it and does not requeue.

export class TerminalError extends Error {
  override readonly name = 'TerminalError';
  readonly code = 'TERMINAL';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
