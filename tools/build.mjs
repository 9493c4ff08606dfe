// Compiles every app, lib and tool from TypeScript to CommonJS under dist/ with SWC (decorator
// metadata on for NestJS; tsconfig path aliases rewritten to relative imports). Type checking is
// separate: `npm run typecheck`.
import { transformFile } from '@swc/core';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cp, mkdir, readdir, writeFile, rm } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { compilerOptions } = createRequire(import.meta.url)(join(root, 'tsconfig.base.json'));
const out = join(root, 'dist');
const SOURCES = ['apps', 'libs', 'tools'];
// Data files read at run time, copied beside the compiled code.
const ASSETS = ['libs/gpu-cost/profiles'];

async function* walk(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const p = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(p);
    else if (p.endsWith('.ts') && !p.endsWith('.spec.ts') && !p.endsWith('.d.ts')) yield p;
  }
}

const options = (file) => ({
  filename: file,
  sourceMaps: true,
  module: { type: 'commonjs' },
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    baseUrl: root,
    paths: compilerOptions.paths,
  },
});

/**
 * TypeScript for Envoy's ext_proc and gRPC's health services (git-ignored): generated with buf and
 * ts-proto from the descriptor set tools/envoy-protos commits, when it is missing or that set or its
 * template changed. No Go needed here: only refreshing the set needs it (`npm run proto:gen`).
 */
function envoyTypes() {
  const set = join(root, 'tools/envoy-protos/descriptors.binpb');
  const template = join(root, 'tools/envoy-protos/buf.gen.yaml');
  const dir = join(root, 'libs/proto/src/gen/external');
  const stamp = createHash('sha256').update(readFileSync(set)).update(readFileSync(template)).digest('hex');
  if (existsSync(join(dir, '.stamp')) && readFileSync(join(dir, '.stamp'), 'utf8') === stamp) return;
  execFileSync('bash', [join(root, 'tools/envoy-protos/types.sh')], { cwd: root, stdio: 'inherit' });
  writeFileSync(join(dir, '.stamp'), stamp);
}

const started = Date.now();
envoyTypes();
await rm(out, { recursive: true, force: true });
let count = 0;
const jobs = [];
for (const src of SOURCES) {
  for await (const file of walk(join(root, src))) {
    const target = join(out, relative(root, file)).replace(/\.ts$/, '.js');
    jobs.push(
      transformFile(file, options(file)).then(async ({ code, map }) => {
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, code + `\n//# sourceMappingURL=${target.split('/').pop()}.map\n`);
        if (map) await writeFile(target + '.map', map);
        count++;
      }),
    );
  }
}
await Promise.all(jobs);
for (const asset of ASSETS) await cp(join(root, asset), join(out, asset), { recursive: true });
console.log(`built ${count} files into dist/ in ${Date.now() - started} ms`);
