// A folder of JSON files, one per item (endpoint, pod), polled and diffed: new and changed files are
// reported as upserts, vanished ones as removals; files that do not validate are skipped with a
// warning naming the field. The local stack's registry (`tools/llmd sim serve` writes one file per pod).
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { z } from 'zod';

export interface DirectoryRegistryHandlers<T> {
  upsert(id: string, item: T): void;
  remove(id: string): void;
}

export class DirectoryRegistry<S extends z.ZodType<{ id: string }>> {
  private readonly known = new Map<string, string>();
  private readonly warned = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly dir: string,
    private readonly schema: S,
    private readonly handlers: DirectoryRegistryHandlers<z.infer<S>>,
    private readonly logger: Logger,
    private readonly intervalMs = 500,
  ) {}

  async start(): Promise<void> {
    await this.sync();
    this.timer = setInterval(() => void this.sync(), this.intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async sync(): Promise<void> {
    let files: string[];
    try {
      files = (await readdir(this.dir)).filter((f) => f.endsWith('.json'));
    } catch {
      files = [];
    }
    const seen = new Set<string>();
    for (const f of files) {
      const path = join(this.dir, f);
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch {
        continue; // removed between readdir and read
      }
      const item = this.parse(path, text);
      if (!item) continue;
      seen.add(item.id);
      if (this.known.get(item.id) !== text) {
        this.handlers.upsert(item.id, item);
        this.known.set(item.id, text);
      }
    }
    for (const id of [...this.known.keys()]) {
      if (seen.has(id)) continue;
      this.handlers.remove(id);
      this.known.delete(id);
    }
  }

  private parse(path: string, text: string): z.infer<S> | undefined {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      this.warnOnce(path, 'not JSON');
      return undefined;
    }
    const parsed = this.schema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      this.warnOnce(path, `${issue.path.join('.') || '(root)'}: ${issue.message}`);
      return undefined;
    }
    return parsed.data;
  }

  private warnOnce(path: string, reason: string): void {
    const key = `${path}:${reason}`;
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.logger.warn({ file: path, reason }, 'registry file skipped');
  }
}
