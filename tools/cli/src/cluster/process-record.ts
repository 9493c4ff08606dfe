// The cluster's processes outlive the `llmd` command that starts them: each is detached, logs to its
// own file and leaves a record (pid and command line) in <dir>/run. A record is believed only while
// /proc shows that pid still running that command line, so a reused pid is never signalled.
import { ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ComponentLaunch } from './component-args';

export interface ProcessRecord {
  name: string;
  pid: number;
  argv: string[];
  log: string;
}

/** A record file's content, or undefined for one that is not a record (it is then ignored and removed). */
export function parseRecord(text: string): ProcessRecord | undefined {
  try {
    const r = JSON.parse(text) as Partial<ProcessRecord>;
    const ok = typeof r.name === 'string' && Number.isInteger(r.pid) && (r.pid as number) > 1 && Array.isArray(r.argv) && r.argv.every((a) => typeof a === 'string') && typeof r.log === 'string';
    return ok ? (r as ProcessRecord) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a process's /proc cmdline (NUL-separated) is the recorded command line. A zombie's is empty. */
export function sameCommandLine(cmdline: string, argv: readonly string[]): boolean {
  const parts = cmdline.split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts.length === argv.length && parts.every((p, i) => p === argv[i]);
}

export function isRunning(record: ProcessRecord, proc = '/proc'): boolean {
  try {
    return sameCommandLine(readFileSync(join(proc, String(record.pid), 'cmdline'), 'utf8'), record.argv);
  } catch {
    return false;
  }
}

/** Every record in `runDir`, by name; unreadable files are dropped. */
export function readRecords(runDir: string): Map<string, ProcessRecord> {
  const records = new Map<string, ProcessRecord>();
  if (!existsSync(runDir)) return records;
  for (const file of readdirSync(runDir).filter((f) => f.endsWith('.json'))) {
    const record = parseRecord(readFileSync(join(runDir, file), 'utf8'));
    if (record) records.set(record.name, record);
    else rmSync(join(runDir, file), { force: true });
  }
  return records;
}

/** Starts `launch` detached, its output appended to `log`, and writes its record; resolves once it runs. */
export async function startDetached(launch: ComponentLaunch, recordFile: string, log: string): Promise<ProcessRecord> {
  mkdirSync(dirname(log), { recursive: true });
  mkdirSync(dirname(recordFile), { recursive: true });
  const fd = openSync(log, 'a');
  writeSync(fd, `\n==== ${new Date().toISOString()} llmd cluster starts: ${[launch.command, ...launch.args].join(' ')}\n`);
  let child: ChildProcess;
  try {
    child = spawn(launch.command, launch.args, { detached: true, stdio: ['ignore', fd, fd] });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
  } finally {
    closeSync(fd);
  }
  // While this process lives, a component's end goes into its log with its exit code or signal: a
  // component that dies before it writes a line is otherwise a log with nothing to say why.
  child.once('exit', (code, signal) => {
    try {
      appendFileSync(log, `==== ${new Date().toISOString()} llmd cluster: ${launch.name} exited (code ${code}, signal ${signal})\n`);
    } catch {
      // The log went away with its cluster folder.
    }
  });
  child.unref();
  const record: ProcessRecord = { name: launch.name, pid: child.pid as number, argv: [launch.command, ...launch.args], log };
  writeFileSync(recordFile, JSON.stringify(record));
  return record;
}

/** Resolves true once the process is gone, false if it still runs after `ms`. */
export async function waitForExit(record: ProcessRecord, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (isRunning(record)) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

/** SIGTERM, then SIGKILL after `graceMs`; says which it took (or that it was not running). */
export async function stopProcess(record: ProcessRecord, graceMs: number): Promise<'stopped' | 'killed' | 'not running'> {
  if (!isRunning(record)) return 'not running';
  signal(record.pid, 'SIGTERM');
  if (await waitForExit(record, graceMs)) return 'stopped';
  signal(record.pid, 'SIGKILL');
  await waitForExit(record, 10000);
  return 'killed';
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    // Gone between the check and the signal.
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}
