// Picks multiplexed over a few long-lived Scheduler.PickStream calls: one message each way per Pick,
// matched by request id, instead of a new HTTP/2 stream with headers and a deadline timer per unary
// call. Completions and first-token notices ride along: queued, and sent with the next Pick or after
// a short delay. A broken stream fails its pending Picks (the gateway then fails open) and is
// reopened on the next Pick.
import { ClientDuplexStream, status } from '@grpc/grpc-js';
import { schedulerv1 } from '@llmd/proto';
import type { Logger } from 'pino';

interface Pending {
  resolve(res: schedulerv1.PickResponse): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

interface Slot {
  call: ClientDuplexStream<schedulerv1.PickStreamRequest, schedulerv1.PickStreamResponse>;
  pending: Map<string, Pending>;
  dead: boolean;
}

/** An error shaped like a grpc-js ServiceError (callers read `code`). */
export function pickError(code: status, message: string): Error & { code: status } {
  return Object.assign(new Error(message), { code });
}

/** How long a completion or first-token notice waits for a Pick to ride on before it is sent alone. */
const NOTICE_FLUSH_MS = 2;
/** Notices of each kind sent in one message at most. */
const MAX_NOTICES_PER_MESSAGE = 512;
/** A message with no notices (shared: nothing writes to it). */
const NO_NOTICES: { completed: string[]; firstToken: string[] } = { completed: [], firstToken: [] };

export class PickStreamPool {
  private readonly slots: (Slot | undefined)[];
  private next = 0;
  private completed: string[] = [];
  private firstTokens: string[] = [];
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: Pick<schedulerv1.SchedulerClient, 'pickStream'>,
    size: number,
    private readonly logger: Logger,
  ) {
    this.slots = new Array<Slot | undefined>(size).fill(undefined);
  }

  /** Picks in flight across all streams. */
  pendingCount(): number {
    return this.slots.reduce((n, s) => n + (s?.pending.size ?? 0), 0);
  }

  pick(request: schedulerv1.PickRequest, timeoutMs: number, traceContext: Record<string, string>): Promise<schedulerv1.PickResponse> {
    const slot = this.slot();
    return new Promise((resolve, reject) => {
      if (slot.pending.has(request.requestId)) return reject(pickError(status.ALREADY_EXISTS, `Pick ${request.requestId} is already in flight`));
      const timer = setTimeout(() => {
        if (slot.pending.delete(request.requestId)) reject(pickError(status.DEADLINE_EXCEEDED, `Pick ${request.requestId} took longer than ${timeoutMs} ms`));
      }, timeoutMs);
      slot.pending.set(request.requestId, { resolve, reject, timer });
      slot.call.write({ pick: request, timeoutMs, traceContext, ...this.takeNotices() });
    });
  }

  /**
   * Tells the scheduler a request ended (its in-flight count drops), on the next message of a stream.
   * Best effort like a unary Complete: if the stream breaks first, the scheduler's lease expires it.
   */
  complete(requestId: string): void {
    this.completed.push(requestId);
    this.queued();
  }

  /** Tells the scheduler a streamed request's first token arrived (its prefill work drops); sent as `complete` is. */
  firstToken(requestId: string): void {
    this.firstTokens.push(requestId);
    this.queued();
  }

  private queued(): void {
    if (this.completed.length >= MAX_NOTICES_PER_MESSAGE || this.firstTokens.length >= MAX_NOTICES_PER_MESSAGE) this.flush();
    else this.flushTimer ??= setTimeout(() => this.flush(), NOTICE_FLUSH_MS);
  }

  /** Up to MAX_NOTICES_PER_MESSAGE of each kind of notice, for the next message. */
  private takeNotices(): { completed: string[]; firstToken: string[] } {
    if (this.completed.length === 0 && this.firstTokens.length === 0) return NO_NOTICES;
    const out = { completed: this.completed.splice(0, MAX_NOTICES_PER_MESSAGE), firstToken: this.firstTokens.splice(0, MAX_NOTICES_PER_MESSAGE) };
    if (this.completed.length === 0 && this.firstTokens.length === 0 && this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    return out;
  }

  private flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    while (this.completed.length > 0 || this.firstTokens.length > 0) this.slot().call.write({ pick: undefined, timeoutMs: 0, traceContext: {}, ...this.takeNotices() });
  }

  close(): void {
    if (this.completed.length > 0 || this.firstTokens.length > 0) this.flush();
    for (const slot of this.slots) {
      if (!slot || slot.dead) continue;
      this.fail(slot, status.CANCELLED, 'gateway shutting down', false);
      slot.call.end(); // half-close: the completions just written still reach the scheduler
    }
  }

  private slot(): Slot {
    const i = this.next;
    this.next = (this.next + 1) % this.slots.length;
    const existing = this.slots[i];
    if (existing && !existing.dead) return existing;
    const slot: Slot = { call: this.client.pickStream(), pending: new Map(), dead: false };
    slot.call.on('data', (res: schedulerv1.PickStreamResponse) => {
      const p = slot.pending.get(res.requestId);
      if (!p) {
        // Timed out already: the caller failed open and will never complete it, but the scheduler
        // charged a lease when it picked; release it now rather than at lease expiry.
        if (res.pick?.target) this.complete(res.requestId);
        return;
      }
      slot.pending.delete(res.requestId);
      clearTimeout(p.timer);
      if (res.errorCode !== 0 || !res.pick) p.reject(pickError(res.errorCode || status.INTERNAL, res.error || 'empty Pick response'));
      else p.resolve(res.pick);
    });
    slot.call.on('error', (err: Error & { code?: status }) => this.fail(slot, err.code ?? status.UNAVAILABLE, err.message, false));
    slot.call.on('end', () => this.fail(slot, status.UNAVAILABLE, 'PickStream ended by the scheduler', false));
    this.slots[i] = slot;
    return slot;
  }

  private fail(slot: Slot, code: status, message: string, cancel: boolean): void {
    if (!slot.dead) {
      slot.dead = true;
      if (slot.pending.size > 0) this.logger.warn({ pending: slot.pending.size, err: message }, 'PickStream broke; its pending Picks fail open');
    }
    for (const p of slot.pending.values()) {
      clearTimeout(p.timer);
      p.reject(pickError(code, message));
    }
    slot.pending.clear();
    if (cancel) slot.call.cancel();
  }
}
