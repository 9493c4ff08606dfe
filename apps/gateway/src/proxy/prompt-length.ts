// How long a request's prompt is, in tokens, on the gateway's path (no tokenizer there): for the
// prompt-length limit and the tokens-per-minute limit.
import { contentText, messagesOf } from '@llmd/openai';

/** Characters per token, for estimates made without a tokenizer. */
const CHARS_PER_TOKEN = 4;

/**
 * The prompt's length in tokens: counted for token-id prompts, estimated from the text otherwise
 * (message contents, or every prompt of a batch), without serialising the body again.
 */
export function promptTokensOf(body: { prompt?: unknown; messages?: { content: unknown }[] }): number {
  let chars = 0;
  let tokens = 0;
  for (const m of messagesOf(body) ?? []) chars += contentText(m.content).length;
  const prompts = Array.isArray(body.prompt) ? body.prompt : [body.prompt];
  for (const p of prompts) {
    if (typeof p === 'string') chars += p.length;
    else if (typeof p === 'number') tokens++;
    else if (Array.isArray(p)) tokens += p.length;
  }
  return tokens + Math.ceil(chars / CHARS_PER_TOKEN);
}
