// The rules that keep a pod's entries on the KV-event topic exactly its own: where a new owner resumes
// a pod (from what the topic already holds, so nothing is published twice), and what a gap in the
// pod's sequence numbers costs (filled from its replay buffer, or the pod is cleared). Pure functions.

/** Why a pod's entries are cleared (the label of llmd_cache_manager_pod_clears_total). */
export type ClearReason = 'gap-unrecoverable' | 'restart' | 'pod-start' | 'gone';

/** A batch as the pod numbered and stamped it (vLLM's batch `ts`, seconds since the epoch). */
export interface SeqStamp {
  seq: number;
  ts: number;
}

/**
 * What the KV-event topic says about a pod, read back by every replica: nothing yet, a clear as its
 * last record (nothing of the pod is trusted), or the last batch of the pod that was published.
 */
export type TopicCursor = { kind: 'none' } | { kind: 'cleared' } | ({ kind: 'batch' } & SeqStamp);

export const NO_CURSOR: TopicCursor = { kind: 'none' };

/** Pure: the cursor after one more record of the pod on the topic (a clear cancels what came before). */
export function advanceCursor(_cursor: TopicCursor, record: SeqStamp, clear: boolean): TopicCursor {
  return clear ? { kind: 'cleared' } : { kind: 'batch', seq: record.seq, ts: record.ts };
}

/** The replay request that resuming from `cursor` needs: from the last published batch (to check it is the same pod). */
export function resumeReplayFrom(cursor: TopicCursor): number {
  return cursor.kind === 'batch' ? cursor.seq : 0;
}

export interface ResumePlan {
  /** Publish a clear of the pod first, for this reason. */
  clear?: ClearReason;
  /** Index into the replayed batches of the first one to publish (the length: none). */
  deliverFrom: number;
  /** The pod's last sequence number as published, after the plan (-1: none since a clear). */
  lastSeq: number;
}

/**
 * Pure: how to take a pod over from what the topic holds (`cursor`) and what the pod's replay buffer
 * answered from `resumeReplayFrom(cursor)` (undefined: no replay socket, or it did not answer). The
 * topic's last batch is the pod's own when the pod still holds it under the same number and stamp;
 * then only what follows is published. Otherwise the pod restarted (or its buffer moved past a gap)
 * and its entries are cleared before its buffer is published, so nothing it no longer holds is
 * credited to it.
 */
export function planResume(cursor: TopicCursor, replayed: readonly SeqStamp[] | undefined): ResumePlan {
  if (cursor.kind !== 'batch') {
    // Nothing of the pod stands on the topic: everything the pod can replay is new there.
    return { deliverFrom: 0, lastSeq: -1 };
  }
  if (replayed === undefined) return { clear: 'pod-start', deliverFrom: 0, lastSeq: -1 };
  const same = replayed.findIndex((r) => r.seq === cursor.seq);
  if (same >= 0) {
    if (replayed[same].ts === cursor.ts) return { deliverFrom: same + 1, lastSeq: cursor.seq };
    return { clear: 'restart', deliverFrom: 0, lastSeq: -1 };
  }
  if (replayed.length === 0 || replayed[replayed.length - 1].seq < cursor.seq) return { clear: 'restart', deliverFrom: 0, lastSeq: -1 };
  // The pod's buffer starts past the topic's last batch: contiguous if it starts right after it.
  if (replayed[0].seq === cursor.seq + 1) return { deliverFrom: 0, lastSeq: cursor.seq };
  return { clear: 'gap-unrecoverable', deliverFrom: 0, lastSeq: -1 };
}

export interface GapPlan<T extends { seq: number }> {
  /** True when the replay supplied the whole gap. */
  filled: boolean;
  /** The replayed batches to publish, in order (after a clear when not filled). */
  deliver: T[];
}

/**
 * Pure: batches [from, upTo) were not seen live; `replayed` is what the pod's replay socket returned
 * from `from` (empty when it did not answer). Filled when it holds every one of them; otherwise the
 * pod is cleared and only the run of replayed batches that ends right before `upTo` is published (what
 * came before it is lost, and the pod's entries cannot be trusted without it).
 */
export function planGap<T extends { seq: number }>(from: number, upTo: number, replayed: readonly T[]): GapPlan<T> {
  const wanted = replayed.filter((r) => r.seq >= from && r.seq < upTo).sort((a, b) => a.seq - b.seq);
  if (wanted.length === upTo - from && wanted.every((r, i) => r.seq === from + i)) return { filled: true, deliver: wanted };
  let start = wanted.length;
  while (start > 0 && wanted[start - 1].seq === upTo - (wanted.length - start) - 1) start--;
  return { filled: false, deliver: wanted.slice(start) };
}
