// Regenerates deploy/crds (one CustomResourceDefinition per llm-d.io kind) and docs/crd-reference.md
// from the zod schemas in libs/crd-types. Run it with `npm run crds:gen`; the crd-types specs fail
// while the committed files differ from what it writes.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CRD_DIR, CRD_REFERENCE_PATH, crdFiles, crdReference } from '@llmd/crd-types';

// Run from dist/tools after the build, or from tools/ by a TypeScript runner.
const root = __dirname.endsWith(join('dist', 'tools')) ? join(__dirname, '..', '..') : join(__dirname, '..');
const EXAMPLES = 'deploy/examples';

const crdDir = join(root, CRD_DIR);
if (existsSync(crdDir)) {
  for (const e of readdirSync(crdDir, { withFileTypes: true })) if (e.isFile() && e.name.endsWith('.yaml')) rmSync(join(crdDir, e.name));
}
const examples = readdirSync(join(root, EXAMPLES))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => ({ path: `${EXAMPLES}/${f}`, text: readFileSync(join(root, EXAMPLES, f), 'utf8') }));
for (const file of [...crdFiles(), { path: CRD_REFERENCE_PATH, text: crdReference(examples) }]) {
  mkdirSync(dirname(join(root, file.path)), { recursive: true });
  writeFileSync(join(root, file.path), file.text);
  console.log(`wrote ${file.path}`);
}
