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

/** One finished choice of a response. */
export interface ChoiceOut {
  index: number;
  text: string;
  finish: string;
  logprobs: unknown;
  toolCall?: ToolCallOut;
}

export function fullResponse(kind: Kind, id: string, model: string, created: number, choices: readonly ChoiceOut[], u: Usage) {
  if (kind === 'chat') {
    return {
      id,
      object: 'chat.completion',
      created,
      model,
      choices: choices.map((c) => ({
        index: c.index,
        // With a tool call, the generated text is the call's arguments and the content is empty, as vLLM answers.
        message: c.toolCall
          ? { role: 'assistant', content: '', reasoning_content: null, tool_calls: [{ id: c.toolCall.id, type: 'function', function: { name: c.toolCall.name, arguments: c.toolCall.arguments } }] }
          : { role: 'assistant', content: c.text, reasoning_content: null, tool_calls: [] },
        logprobs: c.logprobs,
        finish_reason: c.finish,
        stop_reason: null,
      })),
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
    choices: choices.map((c) => ({ index: c.index, text: c.text, logprobs: c.logprobs, finish_reason: c.finish, stop_reason: null, prompt_logprobs: null })),
    usage: u,
    kv_transfer_params: null,
  };
}

/** A streamed piece of one choice: its text (null on the finishing chunk), its logprobs, whether it is the choice's first. */
export interface ChunkPart {
  index: number;
  text: string | null;
  finish: string | null;
  first: boolean;
  logprobs: unknown;
}

export function streamChunk(kind: Kind, id: string, model: string, created: number, p: ChunkPart) {
  if (kind === 'chat') {
    const delta = p.first ? { role: 'assistant', content: p.text ?? '' } : p.text === null ? {} : { content: p.text };
    return { id, object: 'chat.completion.chunk', created, model, choices: [{ index: p.index, delta, logprobs: p.logprobs, finish_reason: p.finish, stop_reason: null }] };
  }
  return { id, object: 'text_completion', created, model, choices: [{ index: p.index, text: p.text ?? '', logprobs: p.logprobs, finish_reason: p.finish, stop_reason: null }] };
}

/** A streamed piece of a tool call's arguments; the first one names the call. */
export function toolCallChunk(id: string, model: string, created: number, index: number, call: { id: string; name: string }, args: string, first: boolean) {
  const toolCall = first ? { index: 0, id: call.id, type: 'function', function: { name: call.name, arguments: args } } : { index: 0, function: { arguments: args } };
  const delta = first ? { role: 'assistant', content: null, tool_calls: [toolCall] } : { tool_calls: [toolCall] };
  return { id, object: 'chat.completion.chunk', created, model, choices: [{ index, delta, logprobs: null, finish_reason: null, stop_reason: null }] };
}

export function usageChunk(kind: Kind, id: string, model: string, created: number, u: Usage) {
  return { id, object: kind === 'chat' ? 'chat.completion.chunk' : 'text_completion', created, model, choices: [], usage: u };
}
