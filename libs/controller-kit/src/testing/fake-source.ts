// An in-memory list/watch source for informer and controller tests: the test decides what the list
// returns, pushes watch events, ends or fails the watch.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ListWatchSource, WatchEvent, WatchHandle } from '../informer/list-watch-source';

export interface FakeWatch {
  resourceVersion: string;
  emit(e: WatchEvent): void;
  /** The server ended the watch (its timeout). */
  end(): void;
  /** The watch failed (connection reset, an HTTP error). */
  fail(err: unknown): void;
  aborted: boolean;
}

export class FakeSource<T extends KubernetesObject> implements ListWatchSource<T> {
  items: T[] = [];
  resourceVersion = '1';
  lists = 0;
  /** Rejects the next list calls with these errors, in turn. */
  listFailures: unknown[] = [];
  readonly watches: FakeWatch[] = [];

  get current(): FakeWatch | undefined {
    const w = this.watches[this.watches.length - 1];
    return w && !w.aborted ? w : undefined;
  }

  async list(): Promise<{ items: T[]; resourceVersion: string }> {
    this.lists++;
    const failure = this.listFailures.shift();
    if (failure) throw failure;
    return { items: this.items.map((o) => structuredClone(o)), resourceVersion: this.resourceVersion };
  }

  async watch(resourceVersion: string, onEvent: (e: WatchEvent) => void): Promise<WatchHandle> {
    let settle: { resolve: () => void; reject: (err: unknown) => void } | undefined;
    const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    const w: FakeWatch = {
      resourceVersion,
      aborted: false,
      emit: (e) => {
        if (!w.aborted) onEvent(e);
      },
      end: () => {
        w.aborted = true;
        settle?.resolve();
      },
      fail: (err) => {
        w.aborted = true;
        settle?.reject(err);
      },
    };
    this.watches.push(w);
    return {
      done,
      abort: () => {
        w.aborted = true;
        settle?.resolve();
      },
    };
  }
}
