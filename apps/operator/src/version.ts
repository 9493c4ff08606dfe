// llmd's version, for the default image tags: the root package.json's, found upward from this file
// (the same walk works from the sources and from dist/).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function llmdVersion(from = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'llmd' && pkg.version) return pkg.version;
      } catch {
        // not ours; keep walking
      }
    }
    if (dirname(dir) === dir) return 'latest';
  }
}
