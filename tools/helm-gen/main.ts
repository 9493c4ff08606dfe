// Regenerates the generated files of deploy/helm (Chart.yaml, values.yaml, values.schema.json,
// README.md of each service chart; the llmd-crds chart) from the services' zod config schemas and
// deploy/crds. Run it with `npm run helm:gen`; helm-gen's spec fails while the committed files differ.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { helmFiles } from './chart-files';

// Run from dist/tools/helm-gen after the build, or from tools/helm-gen by a TypeScript runner.
const root = __dirname.includes(join('dist', 'tools')) ? join(__dirname, '..', '..', '..') : join(__dirname, '..', '..');

export function readInputs(repo: string): { crds: { name: string; text: string }[]; version: string } {
  const crdDir = join(repo, 'deploy/crds');
  const crds = readdirSync(crdDir).filter((f) => f.endsWith('.yaml')).sort().map((name) => ({ name, text: readFileSync(join(crdDir, name), 'utf8') }));
  const { version } = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string };
  return { crds, version };
}

if (require.main === module) {
  const { crds, version } = readInputs(root);
  for (const file of helmFiles(crds, version)) {
    mkdirSync(dirname(join(root, file.path)), { recursive: true });
    writeFileSync(join(root, file.path), file.text);
    console.log(`wrote ${file.path}`);
  }
}
