// Runs a built entry point in the foreground, passing Ctrl-C on; resolves with its exit code.
import { ChildProcess, spawn } from 'node:child_process';

export function runNode(entry: string, args: readonly string[], flags = ['--enable-source-maps'], started?: (child: ChildProcess) => void): Promise<number> {
  const child = spawn(process.execPath, [...flags, entry, ...args], { stdio: 'inherit' });
  process.on('SIGINT', () => child.kill('SIGINT'));
  started?.(child);
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
}
