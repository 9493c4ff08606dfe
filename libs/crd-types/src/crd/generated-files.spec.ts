// The committed CRDs (deploy/crds) are what the zod schemas generate today (npm run crds:gen), as the
// proto spec holds the generated TypeScript to buf's output.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CRD_DIR, crdFiles } from './crd-manifests';

const root = join(__dirname, '..', '..', '..', '..');

describe('generated files', () => {
  it('deploy/crds holds one file per kind and nothing else (npm run crds:gen)', () => {
    const committed = readdirSync(join(root, CRD_DIR)).filter((f) => f.endsWith('.yaml')).sort();
    expect(committed).toEqual(crdFiles().map((f) => f.path.slice(CRD_DIR.length + 1)).sort());
  });

  it.each(crdFiles().map((f) => [f.path, f.text]))('%s is current (npm run crds:gen)', (path, text) => {
    expect(`${path}:\n${readFileSync(join(root, path), 'utf8')}`).toBe(`${path}:\n${text}`);
  });
});
