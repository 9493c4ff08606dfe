import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopOrder } from './cluster-down';
import { isRunning, parseRecord, ProcessRecord, readRecords, sameCommandLine, startDetached, stopProcess } from './process-record';

const record = (name: string, pid = 100): ProcessRecord => ({ name, pid, argv: ['/bin/x', '--a'], log: `/l/${name}.log` });

describe('parseRecord', () => {
  it.each<[string, string, ProcessRecord | undefined]>([
    ['a record', JSON.stringify(record('etcd')), record('etcd')],
    ['not JSON', '{', undefined],
    ['no pid', JSON.stringify({ ...record('etcd'), pid: undefined }), undefined],
    ['pid 1', JSON.stringify(record('etcd', 1)), undefined],
    ['an argv that is not strings', JSON.stringify({ ...record('etcd'), argv: [1] }), undefined],
  ])('%s', (_name, text, expected) => {
    expect(parseRecord(text)).toEqual(expected);
  });
});

describe('sameCommandLine', () => {
  it.each<[string, string, boolean]>([
    ['the same argv', '/bin/x\0--a\0', true],
    ['another argv', '/bin/x\0--b\0', false],
    ['more arguments', '/bin/x\0--a\0--b\0', false],
    ['a zombie (empty)', '', false],
  ])('%s', (_name, cmdline, expected) => {
    expect(sameCommandLine(cmdline, ['/bin/x', '--a'])).toBe(expected);
  });
});

describe('isRunning', () => {
  const proc = mkdtempSync(join(tmpdir(), 'llmd-proc-'));
  afterAll(() => rmSync(proc, { recursive: true, force: true }));

  it('believes a record only while that pid runs that command line (a reused pid is not ours)', () => {
    mkdirSync(join(proc, '100'));
    writeFileSync(join(proc, '100', 'cmdline'), '/bin/x\0--a\0');
    mkdirSync(join(proc, '101'));
    writeFileSync(join(proc, '101', 'cmdline'), '/usr/bin/other\0');
    expect(isRunning(record('etcd', 100), proc)).toBe(true);
    expect(isRunning(record('etcd', 101), proc)).toBe(false);
    expect(isRunning(record('etcd', 102), proc)).toBe(false);
  });
});

describe('a detached process and its record', () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmd-run-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is started, recorded, logged, found again, and stopped by SIGTERM', async () => {
    const launch = { name: 'sleeper', command: process.execPath, args: ['-e', 'console.log("hel" + "lo"); setInterval(() => undefined, 1000)'] };
    const started = await startDetached(launch, join(dir, 'run', 'sleeper.json'), join(dir, 'logs', 'sleeper.log'));
    try {
      expect(isRunning(started)).toBe(true);
      expect(readRecords(join(dir, 'run')).get('sleeper')).toEqual(started);
      expect(await stopProcess(started, 5000)).toBe('stopped');
      expect(isRunning(started)).toBe(false);
      expect(await stopProcess(started, 5000)).toBe('not running');
      expect(readFileSync(started.log, 'utf8')).toContain(`llmd cluster starts: ${process.execPath} -e console.log`);
    } finally {
      if (isRunning(started)) process.kill(started.pid, 'SIGKILL');
    }
  });

  it('is killed when it ignores SIGTERM past its grace', async () => {
    const launch = { name: 'stubborn', command: process.execPath, args: ['-e', 'process.on("SIGTERM", () => undefined); console.log("deaf" + "-to-term"); setInterval(() => undefined, 1000)'] };
    const started = await startDetached(launch, join(dir, 'run', 'stubborn.json'), join(dir, 'logs', 'stubborn.log'));
    try {
      // The handler must be in place before SIGTERM is sent, or the process just dies of it.
      const deadline = Date.now() + 10000;
      while (!readFileSync(started.log, 'utf8').includes('deaf-to-term') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(await stopProcess(started, 300)).toBe('killed');
      expect(isRunning(started)).toBe(false);
    } finally {
      if (isRunning(started)) process.kill(started.pid, 'SIGKILL');
    }
  });

  it('drops a record file that is not a record', () => {
    writeFileSync(join(dir, 'run', 'junk.json'), 'junk');
    expect(readRecords(join(dir, 'run')).has('junk')).toBe(false);
    expect(readRecords(join(dir, 'missing')).size).toBe(0);
  });

  it('fails to start a command that does not exist', async () => {
    await expect(startDetached({ name: 'nothing', command: join(dir, 'no-such-binary'), args: [] }, join(dir, 'run', 'nothing.json'), join(dir, 'logs', 'nothing.log'))).rejects.toThrow(/ENOENT/);
  });
});

describe('stopOrder', () => {
  it('stops the node agents first, then scheduler, controller manager, apiserver, etcd', () => {
    const names = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'llmd-node-1', 'llmd-node-2'].map((n) => record(n));
    expect(stopOrder(names).map((r) => r.name)).toEqual(['llmd-node-2', 'llmd-node-1', 'kube-scheduler', 'kube-controller-manager', 'kube-apiserver', 'etcd']);
  });
});
