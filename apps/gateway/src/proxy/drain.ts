// Waiting for a slow client: resolves when the response can take more bytes, or when it closed.

import type { Writable } from 'node:stream';

/**
 * Resolves on 'drain' or 'close', whichever comes first, and removes the other listener: a long
 * stream to a slow reader waits many times, and must not leave a 'close' listener behind each time.
 */
export function drained(out: Writable): Promise<void> {
  if (out.destroyed || out.writableEnded) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
  });
}
