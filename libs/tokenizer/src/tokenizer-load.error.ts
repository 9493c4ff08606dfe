/** A tokenizer source that cannot be loaded: a missing directory or file, or a config field of the wrong shape. */
export class TokenizerLoadError extends Error {
  readonly code = 'TOKENIZER_LOAD_FAILED';
  constructor(
    /** The directory, file or builtin name that failed. */
    readonly path: string,
    /** What is wrong with it (names the field where one is at fault). */
    readonly reason: string,
  ) {
    super(`cannot load tokenizer from ${path}: ${reason}`);
    this.name = 'TokenizerLoadError';
  }
}
