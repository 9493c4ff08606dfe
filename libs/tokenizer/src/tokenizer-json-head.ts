// The small members of a tokenizer.json (added tokens, normalizer, pre-tokenizer, decoder) without
// parsing its model (vocabulary and merges: tens of MB, which the native tokenizer parses anyway).
import type { TokenizerJsonHead } from './chat-pieces';

export type TokenizerJsonParts = TokenizerJsonHead & { decoder?: unknown };

const QUOTE = 34;
const BACKSLASH = 92;

/** Where the top-level "model" member starts, or -1. */
function modelMemberAt(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      if (depth === 1 && /^"model"\s*:/.test(text.slice(i, i + 16))) return i;
      for (i++; i < text.length && text.charCodeAt(i) !== QUOTE; i++) if (text.charCodeAt(i) === BACKSLASH) i++;
    } else if (c === 123 || c === 91) depth++;
    else if (c === 125 || c === 93) depth--;
  }
  return -1;
}

/** The members before "model" when they hold what is needed (HF writes them first); else the whole file, parsed. */
export function tokenizerJsonParts(text: string): TokenizerJsonParts {
  const at = modelMemberAt(text);
  if (at > 0) {
    const head = `${text.slice(0, at).trimEnd().replace(/,$/, '')}}`;
    const parts = JSON.parse(head) as TokenizerJsonParts & Record<string, unknown>;
    if ('added_tokens' in parts && 'decoder' in parts && 'normalizer' in parts && 'pre_tokenizer' in parts) return parts;
  }
  return JSON.parse(text) as TokenizerJsonParts;
}
