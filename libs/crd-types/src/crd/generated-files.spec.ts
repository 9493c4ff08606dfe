// The committed CRDs (deploy/crds) and field reference (docs/crd-reference.md) are what the zod
// schemas generate today (npm run crds:gen), as the proto spec holds the generated TypeScript to buf's output.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CRD_DIR, crdFiles } from './crd-manifests';
import { CRD_REFERENCE_PATH, crdReference } from './crd-reference';

const root = join(__dirname, '..', '..', '..', '..');
const EXAMPLES = 'deploy/examples';
const examples = readdirSync(join(root, EXAMPLES))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => ({ path: `${EXAMPLES}/${f}`, text: readFileSync(join(root, EXAMPLES, f), 'utf8') }));

describe('generated files', () => {
  it('deploy/crds holds one file per kind and nothing else (npm run crds:gen)', () => {
    const committed = readdirSync(join(root, CRD_DIR)).filter((f) => f.endsWith('.yaml')).sort();
    expect(committed).toEqual(crdFiles().map((f) => f.path.slice(CRD_DIR.length + 1)).sort());
  });

  it.each([...crdFiles().map((f) => [f.path, f.text]), [CRD_REFERENCE_PATH, crdReference(examples)]])('%s is current (npm run crds:gen)', (path, text) => {
    expect(`${path}:\n${readFileSync(join(root, path), 'utf8')}`).toBe(`${path}:\n${text}`);
  });

  it('the reference documents every example', () => {
    const reference = crdReference(examples);
    for (const e of examples) expect(reference).toContain(e.text.trimEnd());
  });
});
