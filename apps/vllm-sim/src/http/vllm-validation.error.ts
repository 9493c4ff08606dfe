/** A request vLLM's OpenAI server would refuse with 400: its message and the field at fault. */
export class VllmValidationError extends Error {
  readonly code = 'VLLM_VALIDATION';
  constructor(
    message: string,
    /** The request field at fault, as vLLM names it in the error body. */
    readonly param: string | null = null,
  ) {
    super(message);
    this.name = 'VllmValidationError';
  }
}
