// Server-sent events onto a response socket, in order. With --split-writes (a test knob) each event
// leaves in two writes, the second a turn of the event loop later, cut inside a multi-byte UTF-8
// character when the event has one: a relay in front then reads characters split across reads.
import type { ServerResponse } from 'node:http';

/** Where to cut an event: just after the first byte of its first multi-byte character, else its middle. */
export function splitPoint(bytes: Uint8Array): number {
  const lead = bytes.findIndex((b) => b >= 0xc0);
  return lead >= 0 ? lead + 1 : Math.max(1, bytes.length >> 1);
}

export class SseWriter {
  /** Writes not yet on the socket, in order (only split writes ever wait). */
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly res: ServerResponse,
    private readonly split: boolean,
  ) {}

  /** One `data:` event carrying `payload` (JSON-encoded unless a string, e.g. [DONE]). */
  send(payload: unknown): void {
    const bytes = Buffer.from(`data: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}\n\n`, 'utf8');
    if (!this.split) return this.write(bytes); // nothing ever waits in the chain without splits

    const at = splitPoint(bytes);
    this.chain = this.chain.then(async () => {
      this.write(bytes.subarray(0, at));
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.write(bytes.subarray(at));
    });
  }

  /** Ends the response once every event is written. */
  async end(): Promise<void> {
    await this.chain;
    if (!this.res.destroyed) this.res.end();
  }

  private write(bytes: Uint8Array): void {
    if (!this.res.destroyed) this.res.write(bytes);
  }
}
