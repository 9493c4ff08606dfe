import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrokerOwnedError } from './broker-owned.error';
import { acquireBroker, readOwner } from './broker-ownership';

/** A live process that is not this one, standing in for another llmd stack (or a broker). */
function liveProcess(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => undefined, 1000)'], { stdio: 'ignore' });
  return new Promise((resolve) => child.once('spawn', () => resolve(child)));
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

describe('acquireBroker', () => {
  const children: ChildProcess[] = [];
  const dir = () => mkdtempSync(join(tmpdir(), 'llmd-owner-'));
  afterEach(async () => {
    for (const c of children.splice(0)) {
      c.kill('SIGKILL');
      await exited(c);
    }
  });

  it('owns a folder with no broker, and gives it back', async () => {
    const d = dir();
    const lease = await acquireBroker(d);
    expect(lease.owns).toBe(true);
    expect(readOwner(d)).toEqual({ pid: process.pid, stopping: false, brokerPid: undefined });
    lease.setBroker(1234);
    expect(readOwner(d)?.brokerPid).toBe(1234);
    lease.release();
    expect(existsSync(join(d, 'owner.json'))).toBe(false);
  });

  it('is refused while a running owner holds it', async () => {
    const d = dir();
    const owner = await liveProcess();
    children.push(owner);
    writeFileSync(join(d, 'owner.json'), JSON.stringify({ pid: owner.pid, stopping: false }));
    await expect(acquireBroker(d)).rejects.toThrow(BrokerOwnedError);
    await expect(acquireBroker(d)).rejects.toThrow(`belongs to the llmd process ${owner.pid}, which is running`);
  });

  it('waits for a stopping owner to exit, then owns it', async () => {
    const d = dir();
    const owner = await liveProcess();
    children.push(owner);
    writeFileSync(join(d, 'owner.json'), JSON.stringify({ pid: owner.pid, stopping: true }));
    const lines: string[] = [];
    let acquired = false;
    const pending = acquireBroker(d, { log: (l) => lines.push(l) }).then((lease) => {
      acquired = true;
      return lease;
    });
    // It is waiting (said so) and has not taken the folder while the owner lives.
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => lines.length > 0 && (clearInterval(poll), resolve()), 20);
    });
    expect(lines[0]).toContain(`waiting for the previous llmd stack (pid ${owner.pid})`);
    expect(acquired).toBe(false);
    owner.kill('SIGKILL');
    const lease = await pending;
    expect(lease.owns).toBe(true);
    expect(readOwner(d)?.pid).toBe(process.pid);
  });

  it('adopts the broker a dead owner left running, and shares one it did not start', async () => {
    const [orphan, shared] = [await liveProcess(), await liveProcess()];
    children.push(orphan, shared);
    const dead = spawn(process.execPath, ['-e', '0']);
    await exited(dead);
    // The dead owner's own broker: adopted (this stack stops it at the end).
    const a = dir();
    writeFileSync(join(a, 'broker.pid'), String(orphan.pid));
    writeFileSync(join(a, 'owner.json'), JSON.stringify({ pid: dead.pid, brokerPid: orphan.pid, stopping: false }));
    const adopted = await acquireBroker(a);
    expect(adopted.owns).toBe(true);
    expect(readOwner(a)?.brokerPid).toBe(orphan.pid);
    // A broker started by `llmd kafka start`: used, not owned (left running at the end).
    const b = dir();
    writeFileSync(join(b, 'broker.pid'), String(shared.pid));
    const sharedLease = await acquireBroker(b);
    expect(sharedLease.owns).toBe(false);
  });
});
