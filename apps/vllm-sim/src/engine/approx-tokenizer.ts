// Token counting for the walking skeleton: words and punctuation marks, about what a BPE tokenizer
// yields for English. The simulator issue replaces it with the real Llama-3 tokenizer.
const TOKEN = /[A-Za-z]+|\d{1,3}|[^\sA-Za-z\d]|\s+(?=\s)/g;

export function countTokens(text: string): number {
  return text.match(TOKEN)?.length ?? 0;
}

export interface ChatTurn {
  role: string;
  content: string;
}

/** The prompt string Llama-3's chat template produces (with the generation prompt appended). */
export function applyLlama3ChatTemplate(messages: readonly ChatTurn[]): string {
  let out = '<|begin_of_text|>';
  for (const m of messages) out += `<|start_header_id|>${m.role}<|end_header_id|>\n\n${m.content.trim()}<|eot_id|>`;
  return out + '<|start_header_id|>assistant<|end_header_id|>\n\n';
}
