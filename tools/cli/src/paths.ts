// Where the CLI finds the repository and keeps its git-ignored state (.llmd/).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

function findRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, 'nx.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the llmd repository above ${start}`);
    dir = parent;
  }
  return dir;
}

export const REPO_ROOT = findRoot(__dirname);
export const STATE_DIR = process.env.LLMD_STATE_DIR ?? join(REPO_ROOT, '.llmd');
export const DIST = join(REPO_ROOT, 'dist');
