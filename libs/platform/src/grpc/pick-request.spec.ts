import { chatRoutingText, decodeChunkHashes, digestPrompt } from '@llmd/prefix-hash';
import { pickRequestOf } from './pick-request';

const input = { requestId: 'r1', model: 'm', prompt: 'You are a helpful assistant. '.repeat(100), messages: [], promptTokenIds: [], maxTokens: 32 };
const spec = { chunkSize: 64, tokenChunkSize: 16, maxChunks: 256, needsText: false };

describe('pickRequestOf', () => {
  it('sends the text when the scheduler published no digest spec', () => {
    const r = pickRequestOf(input, undefined);
    expect(r.prompt).toBe(input.prompt);
    expect(r.promptDigest).toBeUndefined();
  });

  it('sends the digest instead of the text when the spec allows it', () => {
    const r = pickRequestOf(input, spec);
    expect(r.prompt).toBe('');
    expect(r.maxTokens).toBe(32);
    expect(decodeChunkHashes(r.promptDigest!.chunkHashes)).toEqual(digestPrompt(spec, 'm', input.prompt).hashes);
    expect(r.promptDigest).toMatchObject({ chunkSize: 64, tokens: false, promptLength: input.prompt.length });
  });

  it('sends text and digest when a plugin needs the text (the precise index)', () => {
    const r = pickRequestOf(input, { ...spec, needsText: true });
    expect(r.prompt).toBe(input.prompt);
    expect(r.promptDigest?.chunkHashes.length).toBe(Math.floor(input.prompt.length / 64) * 8);
  });

  it('digests a chat as the scheduler flattens it, and drops the messages', () => {
    const messages = [{ role: 'system', content: 'Be brief. '.repeat(20) }, { role: 'user', content: 'What is routing?' }];
    const r = pickRequestOf({ ...input, prompt: '', messages }, spec);
    expect(r.messages).toEqual([]);
    expect(decodeChunkHashes(r.promptDigest!.chunkHashes)).toEqual(digestPrompt(spec, 'm', chatRoutingText(messages)).hashes);
  });

  it('digests token ids by token chunks', () => {
    const ids = Array.from({ length: 40 }, (_, i) => i);
    const r = pickRequestOf({ ...input, prompt: '', promptTokenIds: ids }, spec);
    expect(r.promptTokenIds).toEqual([]);
    expect(r.promptDigest).toMatchObject({ chunkSize: 16, tokens: true, promptLength: 40 });
  });
});
