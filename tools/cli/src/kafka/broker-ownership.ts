// One llmd process owns a local broker at a time. owner.json in the broker's folder names the owner
// (its pid, checked for liveness), the broker it runs, and whether it is stopping: a stack started
// while the previous one stops waits for it (and its broker) to be gone instead of taking a broker on
// its way out for a running one; a stack that died is replaced, and its orphaned broker adopted.
import { readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BrokerOwnedError } from './broker-owned.error';
import { isAlive, readBrokerPid } from './kafka-broker';

export interface OwnerRecord {
  pid: number;
  /** The broker the owner started or adopted. */
  brokerPid?: number;
  stopping: boolean;
}

export interface BrokerLease {
  readonly dir: string;
  /**
   * True when this process stops the broker at the end: it starts it, or adopts one a dead owner
   * left. False for a broker `llmd kafka start` left running for everyone.
   */
  owns: boolean;
  /** Records the broker this owner runs (after a start or a restart); it then owns it. */
  setBroker(pid: number): void;
  /** Marks the owner as stopping; a new stack now waits for this process to exit. */
  markStopping(): void;
  release(): void;
}

const OWNER_FILE = 'owner.json';

export function readOwner(dir: string): OwnerRecord | undefined {
  try {
    const o = JSON.parse(readFileSync(join(dir, OWNER_FILE), 'utf8')) as Partial<OwnerRecord>;
    return typeof o.pid === 'number' ? { pid: o.pid, brokerPid: o.brokerPid, stopping: o.stopping === true } : undefined;
  } catch {
    return undefined;
  }
}

/** The live owner of the broker in `dir`, if any. */
export function liveOwner(dir: string): OwnerRecord | undefined {
  const o = readOwner(dir);
  return o && isAlive(o.pid) ? o : undefined;
}

export interface AcquireOptions {
  /** How long to wait for a stopping owner to exit. @default 120000 */
  timeoutMs?: number;
  log?: (line: string) => void;
}

/** Takes ownership of the broker folder `dir`; throws BrokerOwnedError while a running owner holds it. */
export async function acquireBroker(dir: string, options: AcquireOptions = {}): Promise<BrokerLease> {
  const file = join(dir, OWNER_FILE);
  const deadline = Date.now() + (options.timeoutMs ?? 120000);
  mkdirSync(dir, { recursive: true });
  let waitedFor: number | undefined;
  let unreadableSince: number | undefined;
  let dead: OwnerRecord | undefined;
  for (;;) {
    try {
      writeFileSync(file, JSON.stringify({ pid: process.pid, stopping: false }), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = readOwner(dir);
    if (!owner) {
      // Another process is between creating the file and writing it; a file that stays unreadable is debris.
      unreadableSince ??= Date.now();
      if (Date.now() - unreadableSince > 2000) rmSync(file, { force: true });
    } else if (!isAlive(owner.pid)) {
      dead = owner;
      rmSync(file, { force: true });
      continue;
    } else if (!owner.stopping) {
      throw new BrokerOwnedError(owner.pid, dir, `the Kafka broker in ${dir} belongs to the llmd process ${owner.pid}, which is running: stop it first (Ctrl-C in its terminal, or kill ${owner.pid})`);
    } else if (waitedFor !== owner.pid) {
      waitedFor = owner.pid;
      options.log?.(`waiting for the previous llmd stack (pid ${owner.pid}) to finish stopping, its Kafka broker with it ...`);
    }
    if (Date.now() > deadline) throw new BrokerOwnedError(owner?.pid ?? -1, dir, `the llmd process ${owner?.pid ?? '?'} did not finish stopping within ${options.timeoutMs ?? 120000} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const running = readBrokerPid(dir);
  // A broker still running under a dead owner is its orphan: adopt it. One started by `kafka start` is shared.
  let record: OwnerRecord = { pid: process.pid, stopping: false, brokerPid: running !== undefined && dead?.brokerPid === running ? running : undefined };
  const write = () => writeFileSync(file, JSON.stringify(record));
  write();
  const lease: BrokerLease = {
    dir,
    owns: running === undefined || record.brokerPid === running,
    setBroker(pid: number) {
      lease.owns = true;
      record = { ...record, brokerPid: pid };
      write();
    },
    markStopping() {
      record = { ...record, stopping: true };
      write();
    },
    release() {
      if (readOwner(dir)?.pid === process.pid) rmSync(file, { force: true });
    },
  };
  return lease;
}
