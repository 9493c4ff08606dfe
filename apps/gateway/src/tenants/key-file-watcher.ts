// Reloads the tenant key file while the gateway runs, so a rotated Kubernetes Secret takes effect
// without a restart. The kubelet swaps a mounted Secret's files through a symlink (`..data`), which
// file watches miss, so the file is re-read on an interval and applied when its content changed. A
// file that no longer parses keeps the keys in force and is reported by field, never by content (it
// holds keys).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { TenantKey, tenantKeySchema, TenantRegistry } from './tenant-registry';

export type ReloadResult = 'unchanged' | 'reloaded' | 'invalid' | 'unreadable';

export interface ReloadReport {
  result: ReloadResult;
  tenants?: number;
  /** Why the file was not applied: the fields at fault, or the kind of read error. */
  reason?: string;
}

/** The tenant keys of a key file, or why they cannot be read (no content of the file in the reason). */
export function parseKeyFile(text: string): { keys: TenantKey[] } | { reason: string } {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch {
    return { reason: 'not valid YAML or JSON' };
  }
  const parsed = z.array(tenantKeySchema).safeParse(raw);
  if (parsed.success) return { keys: parsed.data };
  return { reason: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') };
}

export class KeyFileWatcher {
  private lastDigest: string | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly path: string,
    private readonly inlineKeys: readonly TenantKey[],
    private readonly registry: TenantRegistry,
    private readonly onReport: (report: ReloadReport) => void = () => undefined,
  ) {}

  /** Re-reads the file and applies it when its content changed. */
  check(): ReloadReport {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      return this.report({ result: 'unreadable', reason: (err as NodeJS.ErrnoException).code ?? 'read failed' });
    }
    const digest = createHash('sha256').update(text).digest('hex');
    if (digest === this.lastDigest) return { result: 'unchanged' };
    const parsed = parseKeyFile(text);
    // The digest is that of the keys in force: an invalid file is not remembered, so it is reported on
    // every read until it is fixed, and fixing it back to the keys in force changes nothing.
    if ('reason' in parsed) return this.report({ result: 'invalid', reason: parsed.reason });
    this.lastDigest = digest;
    return this.report({ result: 'reloaded', tenants: this.registry.replace([...this.inlineKeys, ...parsed.keys]) });
  }

  start(intervalMs: number): void {
    if (intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => this.check(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private report(r: ReloadReport): ReloadReport {
    this.onReport(r);
    return r;
  }
}
