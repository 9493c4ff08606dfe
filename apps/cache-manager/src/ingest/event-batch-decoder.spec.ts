import { encode } from '@msgpack/msgpack';
import { decodeEventBatch, UndecodableBatchError } from './event-batch-decoder';

const enc = (v: unknown) => encode(v, { useBigInt64: true });

describe('decodeEventBatch', () => {
  const expected = [
    { type: 'BlockStored', blockHashes: [11n, 12n], parentBlockHash: undefined, tokenIds: [1, 2, 3, 4], blockSize: 2, loraName: 'sql', medium: 'gpu' },
    { type: 'BlockRemoved', blockHashes: [11n], medium: 'cpu' },
    { type: 'AllBlocksCleared' },
  ];

  it.each([
    [
      'the newer map encoding',
      { ts: 1.5, events: [{ type: 'BlockStored', block_hashes: [11n, 12n], parent_block_hash: null, token_ids: [1, 2, 3, 4], block_size: 2, lora_id: null, medium: 'GPU', lora_name: 'sql' }, { type: 'BlockRemoved', block_hashes: [11n], medium: 'CPU' }, { type: 'AllBlocksCleared' }], data_parallel_rank: 0 },
    ],
    ['the older positional encoding', [1.5, [['BlockStored', [11n, 12n], null, [1, 2, 3, 4], 2, null, 'GPU', 'sql'], ['BlockRemoved', [11n], 'CPU'], ['AllBlocksCleared']], 0]],
  ])('decodes %s', (_name, body) => {
    expect(decodeEventBatch(enc(body))).toEqual({ ts: 1.5, dataParallelRank: 0, events: expected });
  });

  it('takes small ints and bytes as block hashes', () => {
    const out = decodeEventBatch(enc({ ts: 0, events: [{ type: 'BlockRemoved', block_hashes: [5, new Uint8Array([1, 2])], medium: null }] }));
    expect(out.events[0]).toEqual({ type: 'BlockRemoved', blockHashes: [5n, new Uint8Array([1, 2])], medium: 'gpu' });
  });

  it.each([[new Uint8Array([0xc1])], [enc({ ts: 1 })], [enc({ ts: 1, events: [{ type: 'BlockRemoved', block_hashes: ['x'] }] })]])('refuses %p with a typed error', (payload) => {
    expect(() => decodeEventBatch(payload)).toThrow(UndecodableBatchError);
  });
});
