// vLLM's response and error bodies for the OpenAI endpoints.

export function vllmError(status: number, message: string, type: string, param: string | null = null) {
  return { error: { message, type, param, code: status } };
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
}

export function usage(prompt: number, completion: number, cached: number): Usage {
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, prompt_tokens_details: { cached_tokens: cached } };
}

export type Kind = 'chat' | 'completion';

export function fullResponse(kind: Kind, id: string, model: string, created: number, text: string, finish: string, u: Usage) {
  if (kind === 'chat') {
    return {
      id,
      object: 'chat.completion',
      created,
      model,
      choices: [{ index: 0, message: { role: 'assistant', content: text, reasoning_content: null, tool_calls: [] }, logprobs: null, finish_reason: finish, stop_reason: null }],
      usage: u,
      prompt_logprobs: null,
      kv_transfer_params: null,
    };
  }
  return {
    id,
    object: 'text_completion',
    created,
    model,
    choices: [{ index: 0, text, logprobs: null, finish_reason: finish, stop_reason: null, prompt_logprobs: null }],
    usage: u,
    kv_transfer_params: null,
  };
}

export function streamChunk(kind: Kind, id: string, model: string, created: number, text: string | null, finish: string | null, first: boolean) {
  if (kind === 'chat') {
    const delta = first ? { role: 'assistant', content: text ?? '' } : text === null ? {} : { content: text };
    return { id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish, stop_reason: null }] };
  }
  return { id, object: 'text_completion', created, model, choices: [{ index: 0, text: text ?? '', logprobs: null, finish_reason: finish, stop_reason: null }] };
}

export function usageChunk(kind: Kind, id: string, model: string, created: number, u: Usage) {
  return { id, object: kind === 'chat' ? 'chat.completion.chunk' : 'text_completion', created, model, choices: [], usage: u };
}
