// Score or Speculate on text for a model cache-manager has no tokenizer for: answered as gRPC
// FAILED_PRECONDITION, which the scheduler takes as "score this request approximately".
export class NoTokenizerError extends Error {
  readonly code = 'NO_TOKENIZER';

  constructor(readonly model: string) {
    super(`cache-manager has no tokenizer for model ${model}: its text prompts cannot be keyed (send token ids, or configure tokenizers.${model})`);
    this.name = 'NoTokenizerError';
  }
}
