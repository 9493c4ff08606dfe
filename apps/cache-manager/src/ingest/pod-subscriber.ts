// Subscribes to one vLLM pod's KV events over ZMQ, in order, for the one replica that owns the pod:
// it resumes after the last batch the topic already holds (kv-sequence.policy), drops duplicates,
// fills a gap in the sequence numbers from the pod's replay socket or clears the pod when replay
// cannot, and stops reading while the KV-event producer is full (ZMQ then queues, and at its high-water
// mark drops: the sequence numbers show that gap later, and it is filled or cleared like any other).
import { Dealer, Subscriber } from 'zeromq';
import type { Logger } from 'pino';
import type { PodConfig } from '../config';
import { decodeEventBatch, DecodedBatch } from './event-batch-decoder';
import { ClearReason, NO_CURSOR, planGap, planResume, resumeReplayFrom, TopicCursor } from './kv-sequence.policy';

export type { ClearReason } from './kv-sequence.policy';

export interface PodSink {
  batch(pod: string, seq: number, batch: DecodedBatch): void;
  cleared(pod: string, reason: ClearReason): void;
  undecodable(pod: string, err: Error): void;
  /** A gap in the pod's numbering was seen live, and whether replay filled it. */
  gap?(pod: string, filled: boolean): void;
  /** False while the KV-event producer is full: reading stops until room() resolves. */
  hasRoom?(): boolean;
  room?(): Promise<void>;
  /** Reading the pod's socket paused for back-pressure. */
  paused?(pod: string): void;
}

/** One batch from the replay socket, decoded once (a batch that does not decode still has its number). */
interface Replayed {
  seq: number;
  ts: number;
  payload: Buffer;
  batch: DecodedBatch | Error;
}

function seqBytes(seq: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(seq));
  return b;
}

/** Requests to a replay socket before giving up on reading its buffer to the end. */
const MAX_REPLAY_ROUNDS = 100;

function decoded(seq: number, payload: Buffer): Replayed {
  try {
    const batch = decodeEventBatch(payload);
    return { seq, ts: batch.ts, payload, batch };
  } catch (err) {
    return { seq, ts: Number.NaN, payload, batch: err as Error };
  }
}

export class PodSubscriber {
  private readonly sub = new Subscriber();
  private lastSeq = -1;
  private lastTs = Number.NaN;
  /** Live batches up to this number were already delivered from the replay buffer. */
  private syncedUpTo = -1;
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

  /** Subscribes; `cursor` is what the topic holds of the pod (the last batch published, by any replica). */
  start(cursor: TopicCursor = NO_CURSOR): void {
    this.sub.connect(this.pod.kvEvents.endpoint);
    this.sub.subscribe();
    const synced = this.serialize(() => this.resume(cursor, 'subscription'));
    this.initialSync = synced.catch(() => undefined);
    this.loop = synced.then(() => this.run());
    void this.watchConnections();
  }

  async stop(): Promise<void> {
    this.closed = true;
    this.sub.close();
    await this.loop?.catch(() => undefined);
  }

  /**
   * A reconnect (after the pod went away) is when a restart would go unseen if its first batches
   * were published before the subscription came back: the pod's replay buffer tells which it was.
   */
  private async watchConnections(): Promise<void> {
    try {
      for await (const event of this.sub.events) {
        if (event.type !== 'connect' || this.closed) continue;
        if (this.connects++ > 0) void this.serialize(() => this.resume(this.cursor(), 'reconnect'));
      }
    } catch {
      // the socket closed
    }
  }

  /** What has been published of the pod by this subscriber, as a topic cursor. */
  private cursor(): TopicCursor {
    return this.lastSeq >= 0 ? { kind: 'batch', seq: this.lastSeq, ts: this.lastTs } : { kind: 'cleared' };
  }

  private serialize(task: () => Promise<void>): Promise<void> {
    this.work = this.work.then(task).catch((err: Error) => this.logger.warn({ pod: this.pod.id, err: err.message }, 'KV event handling failed'));
    return this.work;
  }

  /**
   * Learns the pod's state before following it (again): its replay buffer from the last batch the
   * topic holds, published from there on, after a clear when the pod is not the one the topic knew.
   */
  private async resume(cursor: TopicCursor, when: 'subscription' | 'reconnect'): Promise<void> {
    if (when === 'reconnect' && !this.pod.kvEvents.replayEndpoint) return;
    const replayed = this.pod.kvEvents.replayEndpoint ? await this.replay(resumeReplayFrom(cursor)).catch(() => undefined) : undefined;
    if (when === 'reconnect' && !replayed) return;
    const plan = planResume(cursor, replayed);
    if (plan.clear) {
      if (plan.clear === 'gap-unrecoverable') this.sink.gap?.(this.pod.id, false);
      this.sink.cleared(this.pod.id, plan.clear);
    }
    this.lastSeq = plan.lastSeq;
    if (plan.lastSeq >= 0 && cursor.kind === 'batch') this.lastTs = cursor.ts;
    const fresh = (replayed ?? []).slice(plan.deliverFrom);
    if (fresh.length > 0 && fresh[0].seq > 0 && plan.lastSeq < 0) {
      // The pod's buffer no longer reaches back to its first batch: what it holds may be incomplete.
      this.logger.warn({ pod: this.pod.id, oldest: fresh[0].seq }, 'KV event history only partly replayable');
    }
    for (const r of fresh) this.deliver(r);
    this.syncedUpTo = this.lastSeq;
    this.logger.info({ pod: this.pod.id, when, resumedAfter: cursor.kind === 'batch' ? cursor.seq : cursor.kind, published: fresh.length, cleared: plan.clear }, 'KV events resumed');
  }

  private async run(): Promise<void> {
    try {
      for await (const [, seqFrame, payload] of this.sub) {
        if (!seqFrame || seqFrame.length !== 8 || !payload) continue;
        const seq = Number(seqFrame.readBigUInt64BE());
        await this.serialize(() => this.receive(seq, payload));
        if (this.sink.hasRoom && !this.sink.hasRoom()) {
          // Back-pressure: not reading leaves the batches in ZMQ's queue (bounded by its high-water
          // mark, past which it drops and the numbering shows the gap).
          this.sink.paused?.(this.pod.id);
          await this.sink.room?.();
        }
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
    }
    if (this.lastSeq >= 0 && seq > this.lastSeq + 1) await this.fillGap(this.lastSeq + 1, seq);
    else if (this.lastSeq < 0 && seq > 0) await this.catchUp(seq);
    this.deliver(decoded(seq, payload));
  }

  /**
   * Following a pod whose earlier batches are not on the topic (its replay socket did not answer at
   * subscription, or it restarted): what its replay buffer still holds comes first.
   */
  private async catchUp(upTo: number): Promise<void> {
    if (!this.pod.kvEvents.replayEndpoint) return;
    const replayed = await this.replay(0).catch(() => []);
    const wanted = replayed.filter((r) => r.seq < upTo);
    if (wanted.length > 0 && wanted[0].seq > 0) this.logger.warn({ pod: this.pod.id, oldest: wanted[0].seq }, 'KV event history only partly replayable');
    for (const r of wanted) this.deliver(r);
    if (wanted.length > 0) this.logger.info({ pod: this.pod.id, batches: wanted.length }, 'caught up from the pod\'s replay buffer');
  }

  /** Asks the replay socket for [from, upTo); clears the pod when it cannot supply all of it. */
  private async fillGap(from: number, upTo: number): Promise<void> {
    const replayed = this.pod.kvEvents.replayEndpoint ? await this.replay(from).catch(() => []) : [];
    const plan = planGap(from, upTo, replayed);
    this.sink.gap?.(this.pod.id, plan.filled);
    if (!plan.filled) {
      this.logger.warn({ pod: this.pod.id, from, upTo, replayed: plan.deliver.length }, 'KV event gap not recoverable; clearing the pod');
      this.sink.cleared(this.pod.id, 'gap-unrecoverable');
    }
    for (const r of plan.deliver) this.deliver(r);
  }

  /**
   * The pod's replay buffer from `from` on. Its ROUTER socket drops what does not fit the send queue
   * (vLLM's does the same: a long history never arrives whole), so a round that skips a number or
   * falls silent is followed by another from the first batch missing, as long as each round brings
   * something; a socket that answers nothing at all rejects, as before.
   */
  private async replay(from: number): Promise<Replayed[]> {
    const out: Replayed[] = [];
    for (let round = 0; round < MAX_REPLAY_ROUNDS; round++) {
      const next = out.length > 0 ? out[out.length - 1].seq + 1 : from;
      const before = out.length;
      const ended = await this.replayRound(next, out).catch((err: Error) => {
        if (out.length === before) throw err; // silence with no progress: the socket is not answering
        return false;
      });
      if (ended) return out;
      if (out.length === before) throw new Error(`replay from ${next} made no progress`);
    }
    throw new Error(`replay did not reach its end in ${MAX_REPLAY_ROUNDS} rounds`);
  }

  /** One request to the replay socket: appends the batches in order; true at the end marker, false at a skipped number. */
  private async replayRound(from: number, out: Replayed[]): Promise<boolean> {
    // Bounded both ways: a replay socket that never comes up must not hold the subscription (a send
    // to a peer that is not connected waits for one), and close() must not wait on an unsent request.
    const dealer = new Dealer({ receiveTimeout: 2000, sendTimeout: 2000, linger: 0, receiveHighWaterMark: 0 });
    try {
      dealer.connect(this.pod.kvEvents.replayEndpoint as string);
      await dealer.send(['', seqBytes(from)]);
      for (;;) {
        const [, seq, payload] = await dealer.receive();
        const n = Number(seq.readBigInt64BE());
        if (n === -1) return true;
        const expected = out.length > 0 ? out[out.length - 1].seq + 1 : n;
        if (n < expected) continue;
        if (n > expected) return false;
        out.push(decoded(n, payload));
      }
    } finally {
      dealer.close();
    }
  }

  private deliver(r: Replayed): void {
    this.lastSeq = r.seq;
    this.lastTs = r.ts;
    if (r.batch instanceof Error) this.sink.undecodable(this.pod.id, r.batch);
    else this.sink.batch(this.pod.id, r.seq, r.batch);
  }
}
