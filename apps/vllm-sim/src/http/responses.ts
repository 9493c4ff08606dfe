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

/** A tool call the model made under guided decoding (a named or required tool choice). */
export interface ToolCallOut {
  id: string;
  name: string;
  arguments: string;
}

export function fullResponse(kind: Kind, id: string, model: string, created: number, text: string, finish: string, u: Usage, toolCall?: ToolCallOut) {
  if (kind === 'chat') {
    // With a tool call, the generated text is the call's arguments and the content is empty, as vLLM answers.
    const message = toolCall
      ? { role: 'assistant', content: '', reasoning_content: null, tool_calls: [{ id: toolCall.id, type: 'function', function: { name: toolCall.name, arguments: toolCall.arguments } }] }
      : { role: 'assistant', content: text, reasoning_content: null, tool_calls: [] };
    return {
      id,
      object: 'chat.completion',
      created,
      model,
      choices: [{ index: 0, message, logprobs: null, finish_reason: finish, stop_reason: null }],
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

/** A streamed piece of a tool call's arguments; the first one names the call. */
export function toolCallChunk(id: string, model: string, created: number, call: { id: string; name: string }, args: string, first: boolean) {
  const toolCall = first ? { index: 0, id: call.id, type: 'function', function: { name: call.name, arguments: args } } : { index: 0, function: { arguments: args } };
  const delta = first ? { role: 'assistant', content: null, tool_calls: [toolCall] } : { tool_calls: [toolCall] };
  return { id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: null, stop_reason: null }] };
}

export function usageChunk(kind: Kind, id: string, model: string, created: number, u: Usage) {
  return { id, object: kind === 'chat' ? 'chat.completion.chunk' : 'text_completion', created, model, choices: [], usage: u };
}
