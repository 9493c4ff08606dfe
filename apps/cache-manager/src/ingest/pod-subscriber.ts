// Subscribes to one vLLM pod's KV events over ZMQ, in order: duplicates are dropped, a gap in the
// sequence numbers is filled from the pod's replay socket, and when replay cannot fill it (or the
// pod restarted and its numbering began again) the pod's entries are cleared and the reason counted.
import { createHash } from 'node:crypto';
import { Dealer, Subscriber } from 'zeromq';
import type { Logger } from 'pino';
import type { PodConfig } from '../config';
import { decodeEventBatch, DecodedBatch } from './event-batch-decoder';

export type ClearReason = 'gap-unrecoverable' | 'restart' | 'pod-start' | 'gone';

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
  private restarted = false;
  /** Live batches up to this number were already delivered from the replay buffer at subscription. */
  private syncedUpTo = -1;
  /** Fingerprint of this pod incarnation's batch 0, to tell a reconnect from a restart. */
  private firstBatch = '';
  /** Serialises live batches and resyncs, so a pod's batches are delivered in order. */
  private work: Promise<void> = Promise.resolve();
  private connects = 0;
  private closed = false;
  private loop: Promise<void> | undefined;

  constructor(
    readonly pod: PodConfig,
    private readonly sink: PodSink,
    private readonly logger: Logger,
  ) {}

  /** Settles once the pod's state at subscription is known and handed on (see sync). */
  initialSync: Promise<void> = Promise.resolve();

  start(): void {
    this.sub.connect(this.pod.kvEvents.endpoint);
    this.sub.subscribe();
    const synced = this.sync();
    this.initialSync = synced.catch(() => undefined);
    this.loop = synced.then(() => this.run());
    void this.watchConnections();
  }

  /**
   * A reconnect (after the pod went away) is when a restart would go unseen if its first batches
   * were published before the subscription came back: the pod's replay buffer tells which it was.
   */
  private async watchConnections(): Promise<void> {
    try {
      for await (const event of this.sub.events) {
        if (event.type !== 'connect' || this.closed) continue;
        if (this.connects++ > 0) this.serialize(() => this.resync());
      }
    } catch {
      // the socket closed
    }
  }

  private serialize(task: () => Promise<void>): Promise<void> {
    this.work = this.work.then(task).catch((err: Error) => this.logger.warn({ pod: this.pod.id, err: err.message }, 'KV event handling failed'));
    return this.work;
  }

  private async resync(): Promise<void> {
    if (!this.pod.kvEvents.replayEndpoint || this.lastSeq < 0) return;
    const replayed = await this.replay(0).catch(() => undefined);
    if (!replayed) return;
    const sameIncarnation = replayed.length > 0 && replayed[0].seq === 0 && fingerprint(replayed[0].payload) === this.firstBatch;
    if (!sameIncarnation && (replayed.length === 0 || replayed[0].seq === 0)) {
      this.sink.cleared(this.pod.id, 'restart');
      this.lastSeq = -1;
      this.restarted = true;
    }
    for (const r of replayed) if (r.seq > this.lastSeq) this.deliver(r.seq, r.payload);
    this.syncedUpTo = this.lastSeq;
  }

  /**
   * Learns the pod's state before following it live: its replay buffer from 0. Empty means the pod
   * has published nothing, so its cache is empty and whatever the topic holds under its id (an
   * earlier incarnation) no longer stands; otherwise the buffered batches are applied first.
   */
  private async sync(): Promise<void> {
    if (!this.pod.kvEvents.replayEndpoint) return;
    const replayed = await this.replay(0).catch(() => undefined);
    if (!replayed) {
      // The pod's replay socket did not answer (typically: the pod is still starting), so what the
      // topic holds under its id may be an earlier incarnation's. Forget it rather than credit the
      // pod with blocks it may not have: live batches, and the catch-up from the replay buffer on
      // the first of them, bring back what it really holds.
      this.sink.cleared(this.pod.id, 'pod-start');
      this.restarted = true;
      return;
    }
    if (replayed.length === 0) {
      this.sink.cleared(this.pod.id, 'pod-start');
      this.restarted = true; // the first live batch 0 needs no second clear
      return;
    }
    for (const r of replayed) this.deliver(r.seq, r.payload);
    this.syncedUpTo = this.lastSeq;
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
        const seq = Number(seqFrame.readBigUInt64BE());
        await this.serialize(() => this.receive(seq, payload));
      }
    } catch (err) {
      if (!this.closed) this.logger.warn({ pod: this.pod.id, err: (err as Error).message }, 'KV event subscription ended');
    }
  }

  private async receive(seq: number, payload: Buffer): Promise<void> {
    if (this.syncedUpTo >= 0) {
      // Live batches queued while syncing repeat what the replay already gave.
      if (seq <= this.syncedUpTo) return;
      this.syncedUpTo = -1;
    }
    if (seq <= this.lastSeq) {
      // A live stream never repeats a number: the pod restarted, its cache is empty and its
      // numbering began again (its first batches may have gone out before we reconnected).
      this.sink.cleared(this.pod.id, 'restart');
      this.lastSeq = -1;
      this.restarted = true;
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
    // Bounded both ways: a replay socket that never comes up must not hold the subscription (a send
    // to a peer that is not connected waits for one), and close() must not wait on an unsent request.
    const dealer = new Dealer({ receiveTimeout: 2000, sendTimeout: 2000, linger: 0 });
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
    // A pod's first batch means an empty cache: whatever the topic holds under this pod id (an
    // earlier incarnation, before this replica knew it) no longer stands.
    if (seq === 0 && this.lastSeq === -1 && !this.restarted) this.sink.cleared(this.pod.id, 'pod-start');
    if (seq === 0) this.firstBatch = fingerprint(payload);
    this.restarted = false;
    this.lastSeq = seq;
    try {
      this.sink.batch(this.pod.id, seq, decodeEventBatch(payload));
    } catch (err) {
      this.sink.undecodable(this.pod.id, err as Error);
    }
  }
}

function fingerprint(payload: Buffer): string {
  return createHash('sha1').update(payload).digest('hex');
}
