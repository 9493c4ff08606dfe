// A prompt reduced to what the approximate prefix index reads: its chained chunk hashes and its
// length. The gateway computes it once per request (with the chunking the scheduler publishes) and
// sends it instead of the text, so a Pick carries a few KB, not the whole prompt.
import { ChunkHash, hashTextChunks, hashTokenChunks } from './chunk-hash';

/** How to digest prompts: the approximate index's chunking. */
export interface PromptDigestSpec {
  /** Characters per chunk of a text prompt. */
  chunkSize: number;
  /** Token ids per chunk of a token prompt. */
  tokenChunkSize: number;
  /** Chunks hashed at most. */
  maxChunks: number;
}

export interface PromptDigest {
  hashes: ChunkHash[];
  /** Characters or token ids per chunk. */
  chunkSize: number;
  /** Chunks of token ids (true) or of text. */
  tokens: boolean;
  /** The whole prompt's length, in characters or token ids. */
  promptLength: number;
}

/** The seed of a model's chain: the same text under another model (or adapter) is another cache. */
export function modelSeed(model: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < model.length; i++) h = Math.imul(h ^ model.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The digest the approximate index would compute from the prompt: token ids when given, else the text. */
export function digestPrompt(spec: PromptDigestSpec, model: string, prompt: string, promptTokenIds?: readonly number[]): PromptDigest {
  const seed = modelSeed(model);
  if (promptTokenIds && promptTokenIds.length > 0) {
    return { hashes: hashTokenChunks(promptTokenIds, spec.tokenChunkSize, spec.maxChunks, seed), chunkSize: spec.tokenChunkSize, tokens: true, promptLength: promptTokenIds.length };
  }
  return { hashes: hashTextChunks(prompt, spec.chunkSize, spec.maxChunks, seed), chunkSize: spec.chunkSize, tokens: false, promptLength: prompt.length };
}

/** The hashes on the wire: 8 bytes each, little-endian (each is below 2^53). */
export function encodeChunkHashes(hashes: readonly ChunkHash[]): Buffer {
  const out = Buffer.allocUnsafe(hashes.length * 8);
  for (let i = 0; i < hashes.length; i++) {
    const h = hashes[i];
    const hi = Math.floor(h / 0x100000000);
    out.writeUInt32LE(h - hi * 0x100000000, i * 8);
    out.writeUInt32LE(hi, i * 8 + 4);
  }
  return out;
}

/**
 * The hashes back from the wire; undefined when the bytes cannot be hashes (a length not a multiple
 * of 8, or a value at or past 2^53).
 */
export function decodeChunkHashes(bytes: Uint8Array): ChunkHash[] | undefined {
  if (bytes.length % 8 !== 0) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: ChunkHash[] = new Array(bytes.length / 8);
  for (let i = 0; i < out.length; i++) {
    const hi = view.getUint32(i * 8 + 4, true);
    if (hi > 0x1fffff) return undefined;
    out[i] = hi * 0x100000000 + view.getUint32(i * 8, true);
  }
  return out;
}

/** The text the prefix index reads of a chat request: one `role: content` line per message. */
export function chatRoutingText(messages: readonly { role: string; content: string }[]): string {
  return messages.map((m) => `${m.role}: ${m.content}`).join('\n');
}
