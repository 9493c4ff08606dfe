// The KV-event decoder fed arbitrary bytes, arbitrary msgpack values, and valid batches of both of
// vLLM's encodings with random edits: it decodes, or refuses with UndecodableBatchError, nothing else.
import { encode } from '@msgpack/msgpack';
import { forAll, Gen, thrownBy } from '@llmd/platform/testing';
import { decodeEventBatch, UndecodableBatchError } from './event-batch-decoder';

const enc = (v: unknown) => Buffer.from(encode(v, { useBigInt64: true, ignoreUndefined: true }));

/** A valid batch in the map (tagged) or positional (array_like) encoding. */
function batch(g: Gen): Buffer {
  const hashes = () => g.array(4, (x) => (x.bool() ? BigInt(x.int(0, 1e6)) * 2n ** 40n : x.bytes(8)));
  const mapEvent = () => g.pick([{ type: 'BlockStored', block_hashes: hashes(), parent_block_hash: null, token_ids: g.array(8, (x) => x.int(0, 1000)), block_size: 16, lora_id: null, medium: 'GPU', lora_name: null }, { type: 'BlockRemoved', block_hashes: hashes(), medium: 'CPU' }, { type: 'AllBlocksCleared' }]);
  const arrayEvent = () => g.pick([['BlockStored', hashes(), null, g.array(8, (x) => x.int(0, 1000)), 16, null, 'GPU', null], ['BlockRemoved', hashes(), 'CPU'], ['AllBlocksCleared']]);
  return g.bool() ? enc({ ts: g.float() * 1e9, events: g.array(5, mapEvent), data_parallel_rank: 0 }) : enc([g.float() * 1e9, g.array(5, arrayEvent), 0]);
}

/** A batch-shaped value with any field replaced by anything msgpack can carry. */
function oddBatch(g: Gen): Buffer {
  const field = () => g.value(3);
  const evt = () => (g.bool() ? { ...g.object(2, ['type', 'block_hashes', 'token_ids', 'block_size', 'medium', 'parent_block_hash']), type: g.pick(['BlockStored', 'BlockRemoved', 'AllBlocksCleared', field()]) } : [g.pick(['BlockStored', 'BlockRemoved', 'AllBlocksCleared']), field(), field(), field(), field(), field(), field(), field()]);
  return g.bool() ? enc({ ts: field(), events: g.array(4, evt), data_parallel_rank: field() }) : enc([field(), g.array(4, evt), field()]);
}

function decodesOrRefuses(payload: Buffer): void {
  let out: ReturnType<typeof decodeEventBatch> | undefined;
  const err = thrownBy(() => (out = decodeEventBatch(payload)));
  if (err !== undefined) {
    expect(err).toBeInstanceOf(UndecodableBatchError);
    return;
  }
  expect(typeof out!.ts).toBe('number');
  for (const e of out!.events) {
    if (e.type === 'AllBlocksCleared') continue;
    for (const h of e.blockHashes) expect(typeof h === 'bigint' || h instanceof Uint8Array).toBe(true);
    if (e.type === 'BlockStored') expect(e.tokenIds.every((t) => typeof t === 'number')).toBe(true);
  }
}

describe('decodeEventBatch on arbitrary input', () => {
  it.each<[string, (g: Gen) => Buffer]>([
    ['random bytes', (g) => g.bytes(64)],
    ['valid batches of both encodings', batch],
    ['valid batches with random edits', (g) => g.mutate(batch(g))],
    ['batches with fields of any type', oddBatch],
    ['any msgpack value', (g) => enc(g.value(4))],
  ])('%s: decoded, or refused with its typed error', (_name, generate) => {
    forAll(generate, decodesOrRefuses);
  });

  it('refuses a length prefix larger than the payload without allocating for it', () => {
    // array32 of 2^32-1 elements, then nothing; map32 likewise; str32 likewise.
    for (const head of [[0xdd, 0xff, 0xff, 0xff, 0xff], [0xdf, 0xff, 0xff, 0xff, 0xff], [0xdb, 0xff, 0xff, 0xff, 0xff]]) {
      expect(() => decodeEventBatch(Buffer.from(head))).toThrow(UndecodableBatchError);
    }
  });
});
