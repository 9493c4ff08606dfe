// The stream parser fed arbitrary bytes: it never throws except its own typed error, never holds more
// than its cap, and without stripping passes every byte through unchanged however the reads are cut.
import { forAll, Gen, thrownBy } from '@llmd/platform/testing';
import { SseLineTooLongError, SseRelay } from '@llmd/openai';

const CAP = 256;

/** An event as a pod might send it, or a broken one: data lines with JSON, usage, [DONE], comments, junk. */
function event(g: Gen): string {
  const eol = g.pick(['\n', '\r\n', '\r']);
  const line = g.pick<() => string>([
    () => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: g.string(8) } }] })}`,
    () => `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: g.int(0, 9), completion_tokens: g.int(0, 9) } })}`,
    () => `data: {"choices":[],"usage":{${g.string(8)}`,
    () => 'data: [DONE]',
    () => `: ${g.string(8)}`,
    () => `event: ${g.string(4)}`,
    () => g.string(12),
  ])();
  return g.array(3, () => line).join(eol) + eol + (g.bool(0.8) ? eol : '');
}

/** Cuts `bytes` into reads at random places. */
function reads(g: Gen, bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; ) {
    const n = g.int(1, Math.max(1, Math.min(64, bytes.length - at)));
    out.push(bytes.subarray(at, at + n));
    at += n;
  }
  return out;
}

function relayAll(pieces: Buffer[], strip: boolean): Buffer {
  const r = new SseRelay(0, strip, () => 0, CAP);
  const out = pieces.map((p) => r.push(p));
  out.push(r.flush());
  r.report();
  return Buffer.concat(out);
}

const streams = (g: Gen) => {
  const text = Buffer.from(g.array(12, event).join(''));
  const bytes = g.bool(0.3) ? g.mutate(text) : text;
  return { pieces: reads(g, bytes), bytes };
};

describe('SseRelay on arbitrary input', () => {
  it('passes every byte through unchanged when not stripping, or refuses with its typed error', () => {
    forAll(streams, ({ pieces, bytes }) => {
      const err = thrownBy(() => expect(relayAll(pieces, false).equals(bytes)).toBe(true));
      if (err !== undefined) expect(err).toBeInstanceOf(SseLineTooLongError);
    });
  });

  it('only ever removes bytes when stripping, and throws nothing but its typed error', () => {
    forAll(streams, ({ pieces, bytes }) => {
      let out: Buffer | undefined;
      const err = thrownBy(() => (out = relayAll(pieces, true)));
      if (err !== undefined) expect(err).toBeInstanceOf(SseLineTooLongError);
      else expect(out!.length).toBeLessThanOrEqual(bytes.length);
    });
  });

  it('takes random bytes in random reads', () => {
    forAll(
      (g) => g.array(20, (x) => x.bytes(64)),
      (pieces) => {
        const err = thrownBy(() => relayAll(pieces, true));
        if (err !== undefined) expect(err).toBeInstanceOf(SseLineTooLongError);
      },
    );
  });

  it.each([
    ['relayed', false],
    ['stripped', true],
  ])('refuses an endless line once past its cap, holding no more than the cap (%s)', (_name, strip) => {
    const r = new SseRelay(0, strip, () => 0, CAP);
    const chunk = Buffer.alloc(50, 0x61);
    let pushed = 0;
    const err = thrownBy(() => {
      // Bounded only so a broken cap fails the test instead of hanging it.
      for (let i = 0; i < 1000; i++) {
        r.push(chunk);
        pushed += chunk.length;
      }
    });
    expect(err).toBeInstanceOf(SseLineTooLongError);
    expect(pushed).toBeLessThanOrEqual(CAP);
  });
});
