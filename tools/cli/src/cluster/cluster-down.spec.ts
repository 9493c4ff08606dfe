import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterDown, purgeDir, stopAll } from './cluster-down';
import { clusterLayout } from './cluster-layout';
import { isRunning, startDetached } from './process-record';

const root = mkdtempSync(join(tmpdir(), 'llmd-cluster-down-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('purgeDir', () => {
  it('removes a cluster directory, and a missing or empty one is fine', () => {
    const layout = clusterLayout(join(root, 'c1'));
    mkdirSync(layout.logs, { recursive: true });
    writeFileSync(layout.config, '{}');
    purgeDir(layout);
    expect(existsSync(layout.dir)).toBe(false);
    purgeDir(layout);
    mkdirSync(layout.dir);
    purgeDir(layout);
    expect(existsSync(layout.dir)).toBe(false);
  });

  it('refuses a folder llmd cluster did not make, and leaves it', () => {
    const layout = clusterLayout(join(root, 'home'));
    mkdirSync(layout.dir);
    writeFileSync(join(layout.dir, 'notes.txt'), 'mine');
    expect(() => purgeDir(layout)).toThrow(`${layout.dir} holds no cluster.json: not removing a folder llmd cluster did not make`);
    expect(existsSync(join(layout.dir, 'notes.txt'))).toBe(true);
  });
});

describe('stopAll and clusterDown', () => {
  it('stops every recorded process, removes the records, and with purge the directory', async () => {
    const layout = clusterLayout(join(root, 'c2'));
    mkdirSync(layout.dir);
    writeFileSync(layout.config, '{}');
    const idle = ['-e', 'setInterval(() => undefined, 1000)'];
    const records = await Promise.all(['etcd', 'llmd-node-1'].map((name) => startDetached({ name, command: process.execPath, args: idle }, layout.record(name), layout.log(name))));
    try {
      const lines: string[] = [];
      expect((await stopAll(layout, (l) => lines.push(l))).map((d) => [d.name, d.outcome])).toEqual([['llmd-node-1', 'stopped'], ['etcd', 'stopped']]);
      expect(lines).toEqual([`llmd-node-1 (pid ${records[1].pid}) stopped`, `etcd (pid ${records[0].pid}) stopped`]);
      expect(records.some((r) => isRunning(r))).toBe(false);
      expect(existsSync(layout.record('etcd'))).toBe(false);
      expect(await clusterDown(layout.dir, true, () => undefined)).toEqual({ stopped: 0 });
      expect(existsSync(layout.dir)).toBe(false);
    } finally {
      for (const r of records) if (isRunning(r)) process.kill(r.pid, 'SIGKILL');
    }
  });
});
