// `llmd images`: builds the services' container images from deploy/images/Containerfile (one target
// per service) with the first container builder on PATH, tagged as the Helm charts reference them.
// Planning is pure (planImages); finding a builder only looks at PATH, so --dry-run starts nothing.
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { defineCommand, ParsedCommand, UsageError } from '../args';
import { REPO_ROOT } from '../paths';

export const IMAGE_SERVICES = ['gateway', 'scheduler', 'cache-manager', 'autoscaler', 'operator', 'vllm-sim'] as const;
export type ImageService = (typeof IMAGE_SERVICES)[number];
/** In the order they are looked for on PATH. */
export const BUILDERS = ['docker', 'podman', 'buildah'] as const;
export type Builder = (typeof BUILDERS)[number];
/** Relative to the repository root, which is the build context. */
export const CONTAINERFILE = 'deploy/images/Containerfile';

export const imagesCommand = defineCommand({
  name: 'llmd images',
  summary: "builds the services' container images (deploy/images/Containerfile) with docker, podman or buildah",
  details: [
    `One image per service, llmd-<service>:<version> (the Helm charts' default references), built from the`,
    `repository root with ${CONTAINERFILE}, target <service>. The builder is the first of`,
    `${BUILDERS.join(', ')} on PATH that answers \`<builder> info\` (a docker CLI without a reachable daemon`,
  'does not), unless --builder names one; without any it says so and exits 1.',
    '--dry-run prints the commands (one a line, run from the repository root) and runs nothing.',
  ].join('\n'),
  flags: {
    service: { type: 'string-list', choices: IMAGE_SERVICES, default: IMAGE_SERVICES.join(','), description: 'the images to build' },
    tag: { type: 'string', valueName: 'TAG', description: "the images' tag (default: the version in package.json)" },
    registry: { type: 'string', valueName: 'REGISTRY', description: 'registry host and path before llmd-<service> (e.g. registry.example:5000/llmd)' },
    builder: { type: 'string', choices: BUILDERS, description: 'the container builder (default: the first on PATH)' },
    push: { type: 'boolean', description: 'push each image after building it (needs --registry)' },
    'dry-run': { type: 'boolean', description: 'print the commands instead of running them' },
  },
});

export interface ImagesPlanInput {
  services: readonly ImageService[];
  builder: Builder;
  /** llmd's version (package.json): the default tag and the images' version label. */
  version: string;
  tag?: string;
  registry?: string;
  push?: boolean;
}

/** The image reference of one service: `llmd-<service>:<tag>`, after `<registry>/` when one is given. */
export function imageRef(service: ImageService, tag: string, registry?: string): string {
  const repo = `llmd-${service}`;
  return `${registry ? `${registry.replace(/\/+$/, '')}/` : ''}${repo}:${tag}`;
}

/** The commands (argv, run from the repository root) that build, and with `push` push, the images. */
export function planImages(input: ImagesPlanInput): string[][] {
  const tag = input.tag ?? input.version;
  return input.services.flatMap((service) => {
    const ref = imageRef(service, tag, input.registry);
    const build = [input.builder, 'build', '-f', CONTAINERFILE, '--target', service, '--build-arg', `VERSION=${input.version}`, '-t', ref, '.'];
    return input.push ? [build, [input.builder, 'push', ref]] : [build];
  });
}

/** An argv as a POSIX shell line (arguments quoted only where needed). */
export function shellLine(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The builders on `path` (a PATH value), in BUILDERS order. Looks at files only; runs nothing. */
export function buildersOnPath(path: string | undefined, executable: (file: string) => boolean = isExecutable): Builder[] {
  const dirs = (path ?? '').split(delimiter).filter((d) => d !== '');
  return BUILDERS.filter((b) => dirs.some((d) => executable(join(d, b))));
}

export const NO_BUILDER = `no container builder on PATH (looked for ${BUILDERS.join(', ')})`;
const DRY_RUN_HINT = '`tools/llmd images --dry-run` prints the build commands without a builder.';
export const INSTALL_HINT = `Install one: Docker Engine (or Docker Desktop), Podman or Buildah, e.g. \`apt-get install podman\`.\n${DRY_RUN_HINT}`;

function llmdVersion(): string {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version?: string };
  if (!pkg.version) throw new Error(`no version in ${join(REPO_ROOT, 'package.json')}`);
  return pkg.version;
}

function run(argv: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { cwd: REPO_ROOT, stdio: 'inherit' });
    const forward = () => child.kill('SIGINT');
    process.on('SIGINT', forward);
    const done = (code: number) => {
      process.off('SIGINT', forward);
      resolve(code);
    };
    child.on('error', (err) => {
      process.stderr.write(`llmd images: ${argv[0]}: ${err.message}\n`);
      done(1);
    });
    child.on('exit', (code, signal) => done(code ?? (signal ? 128 + 2 : 1)));
  });
}

/** Why `builder` cannot build here (its `info` fails: e.g. docker without a daemon); undefined when it can. */
function unusable(builder: Builder): string | undefined {
  const r = spawnSync(builder, ['info'], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: 30000 });
  if (r.error) return r.error.message;
  if (r.status === 0) return undefined;
  const line = (r.stderr ?? '').split('\n').find((l) => l.trim() !== '');
  return `\`${builder} info\` failed${line ? `: ${line.trim()}` : ` (exit ${r.status ?? r.signal})`}`;
}

export async function images({ values }: ParsedCommand<typeof imagesCommand.flags>): Promise<number> {
  if (values.push && !values.registry) throw new UsageError(imagesCommand.name, '--push needs --registry (where the images go)');
  const found = buildersOnPath(process.env.PATH);
  const wanted = values.builder;
  const candidates = wanted ? found.filter((b) => b === wanted) : found;
  const plan = (b: Builder) => planImages({ services: values.service, builder: b, version: llmdVersion(), tag: values.tag, registry: values.registry, push: values.push });
  if (values['dry-run']) {
    const shown = candidates[0] ?? wanted ?? 'docker';
    if (candidates.length === 0) process.stderr.write(`llmd images: ${wanted ? `${wanted} is not on PATH` : NO_BUILDER}; printing ${shown}'s commands\n`);
    for (const argv of plan(shown)) process.stdout.write(`${shellLine(argv)}\n`);
    return 0;
  }
  if (candidates.length === 0) {
    process.stderr.write(`llmd images: ${wanted ? `--builder ${wanted}: ${wanted} is not on PATH` : NO_BUILDER}.\n${INSTALL_HINT}\n`);
    return 1;
  }
  let builder: Builder | undefined;
  const refusals: string[] = [];
  for (const b of candidates) {
    const why = unusable(b);
    if (!why) {
      builder = b;
      break;
    }
    refusals.push(`  ${b}: ${why}`);
  }
  if (!builder) {
    process.stderr.write(`llmd images: no usable container builder: ${candidates.join(', ')} ${candidates.length === 1 ? 'is' : 'are'} on PATH but cannot build here:\n${refusals.join('\n')}\nStart its daemon (docker), or install another of ${BUILDERS.join(', ')}.\n${DRY_RUN_HINT}\n`);
    return 1;
  }
  for (const argv of plan(builder)) {
    process.stdout.write(`llmd: ${shellLine(argv)}\n`);
    const code = await run(argv);
    if (code !== 0) {
      process.stderr.write(`llmd images: failed (exit ${code}): ${shellLine(argv)}\n`);
      return code;
    }
  }
  return 0;
}
