import { hashTextChunks, hashTokenChunks } from './chunk-hash';
import { chatRoutingText, decodeChunkHashes, digestPrompt, encodeChunkHashes, modelSeed } from './prompt-digest';

const spec = { chunkSize: 64, tokenChunkSize: 16, maxChunks: 256 };

describe('prompt digest', () => {
  it('is what the approximate index computes from the text, seeded by the model', () => {
    const text = 'You are a helpful assistant. '.repeat(40);
    const d = digestPrompt(spec, 'llama', text);
    expect(d).toEqual({ hashes: hashTextChunks(text, 64, 256, modelSeed('llama')), chunkSize: 64, tokens: false, promptLength: text.length });
    expect(d.hashes).toHaveLength(Math.floor(text.length / 64));
    expect(digestPrompt(spec, 'other', text).hashes[0]).not.toBe(d.hashes[0]);
  });

  it('uses the token ids when the prompt is tokens', () => {
    const ids = Array.from({ length: 100 }, (_, i) => i * 7);
    expect(digestPrompt(spec, 'm', '', ids)).toEqual({ hashes: hashTokenChunks(ids, 16, 256, modelSeed('m')), chunkSize: 16, tokens: true, promptLength: 100 });
  });

  it('stops at maxChunks but keeps the whole length', () => {
    const text = 'x'.repeat(64 * 300 + 5);
    const d = digestPrompt(spec, 'm', text);
    expect(d.hashes).toHaveLength(256);
    expect(d.promptLength).toBe(text.length);
  });

  it('round-trips every 53-bit hash through 8 little-endian bytes each', () => {
    const hashes = [0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, ...digestPrompt(spec, 'm', 'abc'.repeat(200)).hashes];
    const bytes = encodeChunkHashes(hashes);
    expect(bytes).toHaveLength(hashes.length * 8);
    expect(bytes.readUInt32LE(8 * 3 + 4)).toBe(1);
    expect(decodeChunkHashes(bytes)).toEqual(hashes);
    expect(decodeChunkHashes(new Uint8Array(0))).toEqual([]);
  });

  it('refuses bytes that cannot be hashes', () => {
    expect(decodeChunkHashes(new Uint8Array(12))).toBeUndefined();
    const past = Buffer.alloc(8);
    past.writeUInt32LE(0x200000, 4); // 2^53
    expect(decodeChunkHashes(past)).toBeUndefined();
  });

  it('reads a chat as one `role: content` line per message', () => {
    expect(chatRoutingText([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }])).toBe('system: Be brief.\nuser: Hi');
    expect(chatRoutingText([])).toBe('');
  });
});
