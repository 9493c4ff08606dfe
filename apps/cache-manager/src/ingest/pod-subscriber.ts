// Subscribes to one vLLM pod's KV events over ZMQ, in order: duplicates are dropped, a gap in the
// sequence numbers is filled from the pod's replay socket, and when replay cannot fill it (or the
// pod restarted and its numbering began again) the pod's entries are cleared and the reason counted.
import { Dealer, Subscriber } from 'zeromq';
import type { Logger } from 'pino';
import type { PodConfig } from '../config';
import { decodeEventBatch, DecodedBatch } from './event-batch-decoder';

export type ClearReason = 'gap-unrecoverable' | 'restart' | 'gone';

export interface PodSink {
  batch(pod: string, seq: number, batch: DecodedBatch): void;
  cleared(pod: string, reason: ClearReason): void;
  undecodable(pod: string, err: Error): void;
}

function seqBytes(seq: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(seq));
  return b;
}

export class PodSubscriber {
  private readonly sub = new Subscriber();
  private lastSeq = -1;
  private closed = false;
  private loop: Promise<void> | undefined;

  constructor(
    readonly pod: PodConfig,
    private readonly sink: PodSink,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.sub.connect(this.pod.kvEvents.endpoint);
    this.sub.subscribe();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.closed = true;
    this.sub.close();
    await this.loop?.catch(() => undefined);
  }

  private async run(): Promise<void> {
    try {
      for await (const [, seqFrame, payload] of this.sub) {
        if (!seqFrame || seqFrame.length !== 8 || !payload) continue;
        await this.receive(Number(seqFrame.readBigUInt64BE()), payload);
      }
    } catch (err) {
      if (!this.closed) this.logger.warn({ pod: this.pod.id, err: (err as Error).message }, 'KV event subscription ended');
    }
  }

  private async receive(seq: number, payload: Buffer): Promise<void> {
    if (seq <= this.lastSeq) {
      // A live stream never repeats a number: the pod restarted, its cache is empty and its
      // numbering began again (its first batches may have gone out before we reconnected).
      this.sink.cleared(this.pod.id, 'restart');
      this.lastSeq = -1;
    }
    if (this.lastSeq >= 0 && seq > this.lastSeq + 1) await this.fillGap(this.lastSeq + 1, seq);
    else if (this.lastSeq < 0 && seq > 0) await this.catchUp(seq);
    this.deliver(seq, payload);
  }

  /**
   * Joining a pod that has been publishing (this replica started late, or was down): what the pod's
   * replay buffer still holds comes first, so its earlier blocks are indexed too. Batches already on
   * the topic are applied again, which changes nothing.
   */
  private async catchUp(upTo: number): Promise<void> {
    if (!this.pod.kvEvents.replayEndpoint) return;
    const replayed = await this.replay(0).catch(() => []);
    const wanted = replayed.filter((r) => r.seq < upTo);
    if (wanted.length > 0 && wanted[0].seq > 0) {
      // The pod's buffer no longer reaches back to its first batch: what it holds may be incomplete.
      this.logger.warn({ pod: this.pod.id, oldest: wanted[0].seq }, 'KV event history only partly replayable');
    }
    for (const r of wanted) this.deliver(r.seq, r.payload);
    if (wanted.length > 0) this.logger.info({ pod: this.pod.id, batches: wanted.length }, 'caught up from the pod\'s replay buffer');
  }

  /** Asks the replay socket for [from, upTo); clears the pod when it cannot supply all of it. */
  private async fillGap(from: number, upTo: number): Promise<void> {
    const replayed = this.pod.kvEvents.replayEndpoint ? await this.replay(from).catch(() => []) : [];
    const wanted = replayed.filter((r) => r.seq >= from && r.seq < upTo);
    if (wanted.length === 0 || wanted[0].seq !== from || wanted.length !== upTo - from) {
      this.logger.warn({ pod: this.pod.id, from, upTo, replayed: wanted.length }, 'KV event gap not recoverable; clearing the pod');
      this.sink.cleared(this.pod.id, 'gap-unrecoverable');
      return;
    }
    for (const r of wanted) this.deliver(r.seq, r.payload);
  }

  private async replay(from: number): Promise<{ seq: number; payload: Buffer }[]> {
    const dealer = new Dealer({ receiveTimeout: 2000 });
    try {
      dealer.connect(this.pod.kvEvents.replayEndpoint as string);
      await dealer.send(['', seqBytes(from)]);
      const out: { seq: number; payload: Buffer }[] = [];
      for (;;) {
        const [, seq, payload] = await dealer.receive();
        const n = Number(seq.readBigInt64BE());
        if (n === -1) return out;
        out.push({ seq: n, payload });
      }
    } finally {
      dealer.close();
    }
  }

  private deliver(seq: number, payload: Buffer): void {
    this.lastSeq = seq;
    try {
      this.sink.batch(this.pod.id, seq, decodeEventBatch(payload));
    } catch (err) {
      this.sink.undecodable(this.pod.id, err as Error);
    }
  }
}
