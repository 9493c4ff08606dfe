import { Readable } from 'node:stream';
import { ApiError } from '@llmd/openai';
import { readCapped } from './capped-body';

describe('readCapped', () => {
  it('reads a body up to its bound whole, multi-byte characters split across chunks included', async () => {
    const bytes = Buffer.from('{"text":"héllo ✓"}');
    const body = Readable.from([bytes.subarray(0, 11), bytes.subarray(11, 17), bytes.subarray(17)]);
    expect(await readCapped(body, bytes.length)).toBe('{"text":"héllo ✓"}');
  });

  it('stops at the bound with an upstream error and destroys the body, not reading it to its end', async () => {
    let produced = 0;
    const body = new Readable({
      read() {
        produced++;
        this.push(Buffer.alloc(1024, 120));
      },
    });
    const err = await readCapped(body, 10 * 1024).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(502);
    expect((err as ApiError).message).toMatch(/upstream\.maxResponseBytes \(10240 bytes\)/);
    expect(body.destroyed).toBe(true);
    expect(produced).toBeLessThan(40);
  });
});
