// Loads a service's configuration: an optional YAML file, overlaid by env vars, validated by a zod schema.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from './config-error';

export interface LoadConfigOptions {
  /** Env var name -> dotted config path it sets, e.g. `{ LLMD_GRPC_PORT: 'grpc.port' }`. */
  envMap: Record<string, string>;
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Env var holding the YAML file's path. @default 'LLMD_CONFIG' */
  fileEnv?: string;
}

/** Returns the validated config or throws a ConfigError naming the first bad field. */
export function loadConfig<S extends z.ZodType>(schema: S, options: LoadConfigOptions): z.infer<S> {
  const env = options.env ?? process.env;
  const fileEnv = options.fileEnv ?? 'LLMD_CONFIG';
  const raw: Record<string, unknown> = readYamlFile(env[fileEnv], fileEnv);
  for (const [name, path] of Object.entries(options.envMap)) {
    const value = env[name];
    if (value !== undefined && value !== '') setPath(raw, path, parseEnvValue(value));
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    const envName = Object.entries(options.envMap).find(([, p]) => p === field)?.[0];
    throw new ConfigError(field, envName ? `${issue.message} (env ${envName})` : issue.message);
  }
  return result.data;
}

/** As loadConfig, but prints the error and exits non-zero: the behaviour every service wants at start. */
export function loadConfigOrExit<S extends z.ZodType>(service: string, schema: S, options: LoadConfigOptions): z.infer<S> {
  try {
    return loadConfig(schema, options);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${service}: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

function readYamlFile(path: string | undefined, fileEnv: string): Record<string, unknown> {
  if (!path) return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(fileEnv, `cannot read ${path}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError(fileEnv, `${path} is not valid YAML: ${(err as Error).message}`);
  }
  if (doc == null) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(fileEnv, `${path} must hold a YAML mapping`);
  return doc as Record<string, unknown>;
}

/** JSON-looking values (objects, arrays) are parsed; everything else stays a string for zod to coerce. */
function parseEnvValue(value: string): unknown {
  const t = value.trim();
  if (t.startsWith('{') || t.startsWith('[')) {
    try {
      return JSON.parse(t);
    } catch {
      return value;
    }
  }
  return value;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]] = value;
}
