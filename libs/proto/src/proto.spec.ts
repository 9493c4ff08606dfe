// The wire contracts stay sound: buf lint passes, nothing breaks the released baseline, and the
// generated TypeScript in libs/proto is what buf generates from proto/ today.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';

const root = join(__dirname, '..', '..', '..');
const buf = join(root, 'node_modules', '.bin', 'buf');
const run = (args: string[], cwd = root) => execFileSync(buf, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

describe('proto contracts', () => {
  it('pass buf lint', () => {
    expect(() => run(['lint'])).not.toThrow();
  });

  it('keep wire and JSON compatibility with the released baseline (proto/baseline/llmd-v1.binpb)', () => {
    expect(() => run(['breaking', '--against', 'proto/baseline/llmd-v1.binpb'])).not.toThrow();
  });

  it('would be caught by the breaking check if a field changed type', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'llmd-proto-'));
    try {
      for (const f of ['buf.yaml', 'proto']) cpSync(join(root, f), join(scratch, f), { recursive: true });
      const file = join(scratch, 'proto/llmd/scheduler/v1/scheduler.proto');
      const text = readFileSync(file, 'utf8').replace('uint32 max_tokens = 8;', 'string max_tokens = 8;');
      writeFileSync(file, text);
      expect(() => run(['breaking', '--against', join(root, 'proto/baseline/llmd-v1.binpb')], scratch)).toThrow();
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('have generated TypeScript that is current (npm run proto:gen)', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'llmd-gen-'));
    try {
      const template = readFileSync(join(root, 'buf.gen.yaml'), 'utf8')
        .replace('local: node_modules/.bin/protoc-gen-ts_proto', `local: ${join(root, 'node_modules/.bin/protoc-gen-ts_proto')}`)
        .replace('out: libs/proto/src/gen', `out: ${scratch}`);
      run(['generate', '--template', template]);
      const committed = join(root, 'libs/proto/src/gen');
      const want = files(scratch).map((f) => relative(scratch, f)).sort();
      // external/ is Envoy's and gRPC's, from tools/envoy-protos (npm test regenerates and compares it).
      expect(files(committed).map((f) => relative(committed, f)).filter((f) => !f.startsWith(`external${sep}`)).sort()).toEqual(want);
      for (const f of want) expect(`${f}:\n${readFileSync(join(committed, f), 'utf8')}`).toBe(`${f}:\n${readFileSync(join(scratch, f), 'utf8')}`);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
