// Endpoints from the local registry: one JSON file per endpoint in a folder (`tools/llmd sim serve`
// writes one while its pod runs). Polled, diffed, and applied to the endpoint registry; files that
// do not validate are skipped with a warning naming the field.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { staticEndpointSchema } from '../config';
import type { EndpointRegistry, EndpointSpec } from './endpoint-registry';

export class LocalRegistrySource {
  private readonly known = new Map<string, string>(); // id -> the file's JSON, to notice changes
  private timer: NodeJS.Timeout | undefined;
  private readonly warned = new Set<string>();

  constructor(
    private readonly dir: string,
    private readonly registry: EndpointRegistry,
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

  /** One pass: add new and changed endpoints, remove those whose file is gone. */
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
      const spec = this.parse(path, text);
      if (!spec) continue;
      seen.add(spec.id);
      if (this.known.get(spec.id) !== text) {
        this.registry.upsert(spec);
        this.known.set(spec.id, text);
        this.logger.info({ endpoint: spec.id, address: spec.address }, 'endpoint registered');
      }
    }
    for (const id of [...this.known.keys()]) {
      if (seen.has(id)) continue;
      this.registry.remove(id);
      this.known.delete(id);
      this.logger.info({ endpoint: id }, 'endpoint gone');
    }
  }

  private parse(path: string, text: string): EndpointSpec | undefined {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      this.warnOnce(path, 'not JSON');
      return undefined;
    }
    const parsed = staticEndpointSchema.safeParse(raw);
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
