import { BlockSizes, ChunkedTokenizer, InMemoryKvBlockIndex, KvEventApplier, NoTokenizerError, PrefixScorer, PromptTokenizer, TokenizationCache } from '@llmd/kv-index';
import { loadTokenizer } from '@llmd/tokenizer';

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

describe('PrefixScorer', () => {
  const llama3 = loadTokenizer('builtin:llama-3');
  const make = (tokenizer: PromptTokenizer = llama3, perModel: Record<string, PromptTokenizer> = {}) => {
    let now = 1000;
    const index = new InMemoryKvBlockIndex(1000);
    const sizes = new BlockSizes({ blockSize: 16, modelBlockSizes: { small: 8 } });
    const tokenizers = { get: (model: string) => (model === 'no-tokenizer' ? undefined : (perModel[model] ?? tokenizer)) };
    const scorer = new PrefixScorer(index, tokenizers, new TokenizationCache({ maxEntries: 16, concurrency: 2 }), { hashSeed: 0, tierWeights: { gpu: 1, cpu: 0.8, disk: 0.5 }, speculativeTtlMs: 500 }, sizes, () => now);
    return { index, scorer, sizes, applier: new KvEventApplier(index, 0), setNow: (t: number) => (now = t) };
  };

  it.each([
    ['all on the GPU', 'gpu', 1],
    ['all on the CPU tier', 'cpu', 0.8],
  ] as const)('weights tiers: %s', async (_name, medium, score) => {
    const { applier, scorer } = make();
    applier.apply('a', [{ type: 'BlockStored', blockHashes: [1n, 2n], tokenIds: range(32), blockSize: 16, medium }], 0);
    const r = await scorer.score({ kind: 'tokens', ids: range(32) }, 'm', ['a', 'b']);
    expect(r.promptBlocks).toBe(2);
    expect(Object.fromEntries(r.scores.map((s) => [s.pod, s.score]))).toEqual({ a: score, b: 0 });
  });

  it('uses the block size of the model', async () => {
    const { applier, scorer } = make();
    applier.apply('a', [{ type: 'BlockStored', blockHashes: [1n, 2n], tokenIds: range(16), blockSize: 8, medium: 'gpu' }], 0);
    expect((await scorer.score({ kind: 'tokens', ids: range(16) }, 'small', ['a'])).scores[0].hit.gpu).toBe(2);
  });

  it('cuts the prompt at the block size the pods report, not the configured one', async () => {
    const { applier, scorer, sizes } = make();
    // Configured 16 for model m, but pod a runs --block-size 32.
    applier.apply('a', [{ type: 'BlockStored', blockHashes: [1n, 2n], tokenIds: range(64), blockSize: 32, medium: 'gpu' }], 0);
    expect((await scorer.score({ kind: 'tokens', ids: range(64) }, 'm', ['a'])).scores[0].hit.gpu).toBe(0);
    sizes.observe('a', 'm', 32);
    const r = await scorer.score({ kind: 'tokens', ids: range(64) }, 'm', ['a']);
    expect(r.promptBlocks).toBe(2);
    expect(r.scores[0]).toMatchObject({ pod: 'a', hit: { gpu: 2 }, score: 1 });
    expect(scorer.blockSizeOf('m')).toBe(32);
  });

  it('scores pods of one model at different block sizes each with its own keys', async () => {
    const { applier, scorer, sizes } = make();
    applier.apply('a', [{ type: 'BlockStored', blockHashes: [1n, 2n, 3n, 4n], tokenIds: range(64), blockSize: 16, medium: 'gpu' }], 0);
    applier.apply('b', [{ type: 'BlockStored', blockHashes: [5n], tokenIds: range(32), blockSize: 32, medium: 'gpu' }], 0);
    sizes.observe('b', 'm', 32);
    sizes.observe('a', 'm', 16);
    const r = await scorer.score({ kind: 'tokens', ids: range(64) }, 'm', ['a', 'b']);
    const byPod = Object.fromEntries(r.scores.map((s) => [s.pod, s]));
    expect(r.promptBlocks).toBe(4); // at the model's size (16, learned last)
    expect(byPod.a).toMatchObject({ hit: { gpu: 4 }, score: 1 });
    expect(byPod.b).toMatchObject({ hit: { gpu: 1 }, score: 0.5 }); // 1 of the prompt's 2 blocks of 32
  });

  it('speculates at the pod’s own block size', async () => {
    const { scorer, sizes } = make();
    sizes.observe('b', 'm', 32);
    expect(await scorer.speculate({ kind: 'tokens', ids: range(64) }, 'm', 'b', undefined, 0)).toBe(2);
    expect((await scorer.score({ kind: 'tokens', ids: range(64) }, 'm', ['b'])).scores[0].hit.gpu).toBe(2);
  });

  it('counts speculative entries until they expire', async () => {
    const { scorer, setNow } = make();
    await scorer.speculate({ kind: 'tokens', ids: range(48) }, 'm', 'b', undefined, 0);
    expect((await scorer.score({ kind: 'tokens', ids: range(48) }, 'm', ['b'])).scores[0].hit.gpu).toBe(3);
    setNow(5000);
    expect((await scorer.score({ kind: 'tokens', ids: range(48) }, 'm', ['b'])).scores[0].hit.gpu).toBe(0);
  });

  it('keys an adapter’s prompt under its name: its blocks hit for it and not for the base model', async () => {
    const { applier, scorer } = make();
    applier.apply('a', [{ type: 'BlockStored', blockHashes: [1n, 2n], tokenIds: range(32), blockSize: 16, loraName: 'sql', medium: 'gpu' }], 0);
    const hit = async (lora?: string) => (await scorer.score({ kind: 'tokens', ids: range(32) }, 'm', ['a'], lora)).scores[0].hit.gpu;
    expect([await hit('sql'), await hit(undefined), await hit('chat')]).toEqual([2, 0, 0]);
  });

  it('tokenizes a chat request once for its Score and its Speculate', async () => {
    let chats = 0;
    const { scorer } = make({ encodePrompt: (t) => llama3.encodePrompt(t), encodeChat: (m) => (chats++, llama3.encodeChat(m)) });
    const chat = { kind: 'chat' as const, messages: [{ role: 'system', content: 'You are terse. '.repeat(20) }, { role: 'user', content: 'Why?' }] };
    await scorer.score(chat, 'm', ['a']);
    const blocks = await scorer.speculate(chat, 'm', 'a', undefined, 0);
    expect(blocks).toBeGreaterThan(0);
    expect((await scorer.score(chat, 'm', ['a'])).scores[0].hit.gpu).toBe(blocks);
    expect(chats).toBe(1);
  });

  it.each([
    ['Score', (s: PrefixScorer) => s.score({ kind: 'prompt', text: 'hello' }, 'no-tokenizer', ['a'])],
    ['Speculate', (s: PrefixScorer) => s.speculate({ kind: 'chat', messages: [{ role: 'user', content: 'hi' }] }, 'no-tokenizer', 'a', undefined, 0)],
  ])('refuses %s on text for a model with no tokenizer (never zeros)', async (_name, call) => {
    await expect(call(make().scorer)).rejects.toBeInstanceOf(NoTokenizerError);
  });

  it('scores token ids for a model with no tokenizer', async () => {
    const { applier, scorer } = make();
    applier.apply('a', [{ type: 'BlockStored', blockHashes: [1n], tokenIds: range(16), blockSize: 16, medium: 'gpu' }], 0);
    expect((await scorer.score({ kind: 'tokens', ids: range(16) }, 'no-tokenizer', ['a'])).scores[0].hit.gpu).toBe(1);
  });

  it.each(['builtin:qwen3', 'builtin:gemma-3'])('keys a %s model’s chat with its own tokenizer, as its pods do', async (source) => {
    const own = loadTokenizer(source);
    const { applier, scorer } = make(llama3, { other: own });
    const chat = { kind: 'chat' as const, messages: [{ role: 'system', content: 'You are a careful assistant for the test suite. '.repeat(20) }, { role: 'user', content: 'Hello?' }] };
    // The pod's KV events carry the ids its own tokenizer made.
    const ids = await own.encodeChat(chat.messages);
    const blocks = Math.floor(ids.length / 16);
    applier.apply('a', [{ type: 'BlockStored', blockHashes: range(blocks).map(BigInt), tokenIds: ids.slice(0, blocks * 16), blockSize: 16, medium: 'gpu' }], 0);
    expect((await scorer.score(chat, 'other', ['a'])).scores[0].hit.gpu).toBe(blocks);
    // Llama-3's ids for the same chat are another prompt: the old one-tokenizer-for-all scored it as a miss.
    expect((await scorer.score(chat, 'm', ['a'])).scores[0].hit.gpu).toBe(0);
    // Loading a tokenizer.json of tens of MB takes seconds on a loaded machine.
  }, 60000);

  describe('a chat not tokenized before', () => {
    const system = 'You are the assistant of a long benchmark. Follow the policy in detail and cite it. '.repeat(40);
    const question = (i: number) => `Question ${i}: ${'please explain this part of the policy in your own words. '.repeat(30)}`;
    const chat = (sys: string, i: number) => ({ kind: 'chat' as const, messages: [{ role: 'system', content: sys }, { role: 'user', content: question(i) }] });
    let chunked: ChunkedTokenizer;

    beforeAll(async () => {
      chunked = new ChunkedTokenizer(llama3, { chunkChars: 256, maxChunks: 1000 });
      expect(await chunked.ready).toBe(true);
    });

    /** Pod `pod` holds the leading `blocks` blocks of `ids`, as its KV events would say. */
    const hold = (applier: KvEventApplier, pod: string, ids: number[], blocks: number) =>
      applier.apply(pod, [{ type: 'BlockStored', blockHashes: range(blocks).map(BigInt), tokenIds: ids.slice(0, blocks * 16), blockSize: 16, medium: 'gpu' }], 0);

    it('is tokenized only as far as some pod holds it: a new conversation costs one chunk, and scores as the whole prompt would', async () => {
      const { scorer } = make(chunked);
      const whole = await llama3.encodeChat(chat(`A new one. ${system}`, 1).messages);
      const r = await scorer.score(chat(`A new one. ${system}`, 1), 'm', ['a', 'b']);
      expect(r.tokenization.kind).toBe('prefix');
      expect(r.tokenization.tokens).toBeLessThan(whole.length / 4);
      expect(r.scores.map((x) => x.score)).toEqual([0, 0]);
      // The prompt's length, estimated from its characters, is close to the real one.
      expect(Math.abs(r.promptBlocks - Math.floor(whole.length / 16))).toBeLessThanOrEqual(Math.ceil(whole.length / 16 / 10));
    });

    it('walks as far as a pod holds the prompt, and gives the hits whole tokenization gives', async () => {
      const { applier, scorer } = make(chunked);
      const seen = await llama3.encodeChat(chat(system, 0).messages);
      const asked = await llama3.encodeChat(chat(system, 1).messages);
      let common = 0;
      while (seen[common] === asked[common]) common++;
      hold(applier, 'a', seen, Math.floor(seen.length / 16));
      hold(applier, 'b', seen, 3);
      const r = await scorer.score(chat(system, 1), 'm', ['a', 'b', 'c']);
      expect(r.tokenization.kind).toBe('prefix');
      const hits = Object.fromEntries(r.scores.map((x) => [x.pod, x.hit.gpu]));
      expect(hits).toEqual({ a: Math.floor(common / 16), b: 3, c: 0 });
      // The same lookup with the prompt tokenized whole (a tokenizer that cannot be cut).
      const exact = await make(llama3).scorer.score(chat(system, 1), 'm', ['a']);
      expect(exact.tokenization.kind).toBe('whole');
    });

    it('goes to the end when a pod holds all of it, and is then exact', async () => {
      const { applier, scorer } = make(chunked);
      const ids = await llama3.encodeChat(chat(system, 2).messages);
      hold(applier, 'a', ids, Math.floor(ids.length / 16));
      const r = await scorer.score(chat(system, 2), 'm', ['a']);
      expect(r.tokenization).toMatchObject({ kind: 'whole', tokens: ids.length });
      expect(r.promptBlocks).toBe(Math.floor(ids.length / 16));
      expect(r.scores[0]).toMatchObject({ pod: 'a', hit: { gpu: Math.floor(ids.length / 16) }, score: 1 });
    });

    it('uses the ids an earlier Speculate computed', async () => {
      const { scorer } = make(chunked);
      const blocks = await scorer.speculate(chat(system, 3), 'm', 'a', undefined, 0);
      const r = await scorer.score(chat(system, 3), 'm', ['a']);
      expect(r.tokenization.kind).toBe('cached');
      expect(r.scores[0].hit.gpu).toBe(blocks);
    });
  });
});
