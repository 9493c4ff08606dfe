// docs/crd-reference.md, generated from the same schemas as the CRDs: every field of every kind with
// its type, default, validation and description, then the examples of deploy/examples.
import { parse } from 'yaml';
import { GROUP, VERSION } from '../common';
import { KindDefinition, KINDS } from '../kinds';
import { crdFileName, kindSchema } from './crd-manifests';
import { JsonSchema } from './structural-schema';

export const CRD_REFERENCE_PATH = 'docs/crd-reference.md';

/** An example manifest: its path relative to the repository root and its text. */
export interface ExampleFile {
  path: string;
  text: string;
}

interface FieldRow {
  path: string;
  type: string;
  default: string;
  validation: string[];
  description: string;
}

const code = (s: string) => (s.includes('`') ? `\`\` ${s} \`\`` : `\`${s}\``);
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function typeOf(s: JsonSchema): string {
  if (s['x-kubernetes-int-or-string']) return 'integer or string';
  if (s['x-kubernetes-preserve-unknown-fields']) return 'object (any fields)';
  if (s.type === 'array') return `[]${typeOf(s.items as JsonSchema)}`;
  if (s.type === 'object' && s.additionalProperties) return `map[string]${typeOf(s.additionalProperties as JsonSchema)}`;
  return String(s.type);
}

function validations(s: JsonSchema, required: boolean): string[] {
  const v: string[] = [];
  if (required) v.push('required');
  if (s.enum) v.push(`one of ${(s.enum as unknown[]).map((e) => code(String(e))).join(', ')}`);
  // An int-or-string's bounds apply to the number, its pattern to the string.
  const [asNumber, asString] = s['x-kubernetes-int-or-string'] ? ['as a number ', 'as a string '] : ['', ''];
  const gt = s.exclusiveMinimum ? '>' : '≥';
  const lt = s.exclusiveMaximum ? '<' : '≤';
  if (s.minimum !== undefined) v.push(`${asNumber}${gt} ${s.minimum}`);
  if (s.maximum !== undefined) v.push(`${asNumber}${lt} ${s.maximum}`);
  if (s.minLength !== undefined) v.push(`length ≥ ${s.minLength}`);
  if (s.maxLength !== undefined) v.push(`length ≤ ${s.maxLength}`);
  if (s.minItems !== undefined) v.push(`items ≥ ${s.minItems}`);
  if (s.maxItems !== undefined) v.push(`items ≤ ${s.maxItems}`);
  if (s.format) v.push(`format ${s.format}`);
  if (s.pattern) v.push(`${asString}matches ${code(String(s.pattern))}`);
  if (s['x-kubernetes-list-type'] === 'map') v.push(`unique by ${(s['x-kubernetes-list-map-keys'] as string[]).join(', ')}`);
  for (const r of (s['x-kubernetes-validations'] ?? []) as { rule: string; message: string }[]) v.push(`${code(r.rule)} (else: “${r.message}”)`);
  return v;
}

function rows(s: JsonSchema, path: string, required: boolean, out: FieldRow[]): FieldRow[] {
  out.push({
    path,
    type: typeOf(s),
    default: s.default === undefined ? '' : code(JSON.stringify(s.default)),
    validation: validations(s, required),
    description: String(s.description ?? ''),
  });
  // A list or a map: its items (or values) are described under `path[]` (or `path.*`).
  const inner = s.type === 'array' ? (s.items as JsonSchema) : s.type === 'object' && s.additionalProperties ? (s.additionalProperties as JsonSchema) : undefined;
  if (inner) {
    const own = validations(inner, false);
    if (own.length) out[out.length - 1].validation.push(...own.map((v) => `each ${s.type === 'array' ? 'item' : 'value'}: ${v}`));
  }
  const obj = inner ?? s;
  const prefix = inner ? `${path}${s.type === 'array' ? '[]' : '.*'}` : path;
  const props = (obj.properties ?? {}) as Record<string, JsonSchema>;
  const req = new Set((obj.required ?? []) as string[]);
  for (const [name, child] of Object.entries(props)) rows(child, `${prefix}.${name}`, req.has(name), out);
  return out;
}

function table(r: FieldRow[]): string {
  const head = '| Field | Type | Default | Validation | Description |\n|---|---|---|---|---|\n';
  return head + r.map((f) => `| ${code(f.path)} | ${cell(f.type)} | ${cell(f.default)} | ${cell(f.validation.join('; '))} | ${cell(f.description)} |`).join('\n') + '\n';
}

function kindSection(k: KindDefinition, examples: ExampleFile[]): string {
  const parts = [`## ${k.kind}\n`, `${k.description}\n`];
  const scale = k.scale ? `, scale (replicas at \`${k.scale.specReplicasPath}\`, observed at \`${k.scale.statusReplicasPath}\`, selector at \`${k.scale.labelSelectorPath}\`)` : '';
  parts.push(
    [
      `- Resource \`${k.plural}.${GROUP}\`, \`apiVersion: ${GROUP}/${VERSION}\`, namespaced; short name${k.shortNames.length > 1 ? 's' : ''} ${k.shortNames.map(code).join(', ')}, category \`llmd\`.`,
      `- Subresources: status${scale}.`,
      `- Columns of \`kubectl get ${k.plural}\`: ${k.printerColumns.map((c) => `${c.name} (\`${c.jsonPath}\`${c.priority ? ', with -o wide' : ''})`).join(', ')}.`,
      `- CRD: [\`${crdFileName(k)}\`](../${crdFileName(k)}).`,
      '',
    ].join('\n'),
  );
  const root = kindSchema(k).properties as Record<string, JsonSchema>;
  parts.push('### spec\n', table(rows(root.spec, 'spec', true, [])));
  parts.push('### status\n', table(rows(root.status, 'status', false, [])));
  const own = examples.filter((e) => (parse(e.text) as { kind?: string } | null)?.kind === k.kind);
  if (own.length) {
    parts.push('### Examples\n');
    for (const e of own) parts.push(`[\`${e.path}\`](../${e.path}):\n\n\`\`\`yaml\n${e.text.trimEnd()}\n\`\`\`\n`);
  }
  return parts.join('\n');
}

/** The field reference of every kind, with the given examples (the files of deploy/examples). */
export function crdReference(examples: ExampleFile[]): string {
  const sorted = [...examples].sort((a, b) => a.path.localeCompare(b.path));
  return [
    `# ${GROUP}/${VERSION} custom resources\n`,
    '<!-- Generated from the zod schemas in libs/crd-types by `npm run crds:gen`. Do not edit: change the schemas and regenerate. -->\n',
    `Install the CRDs with \`kubectl apply -f deploy/crds/\`, then apply an example from \`deploy/examples/\`. The operator turns each object into pods and reports in \`.status.conditions\`.`,
    'Field paths use `[]` for the items of a list and `*` for the values of a map. Defaults are filled in by the apiserver when the object is stored; validation is the CRD\'s own (the apiserver refuses the object with the message quoted), and the operator checks the same rules with the same zod schemas.\n',
    KINDS.map((k) => `- [${k.kind}](#${k.kind.toLowerCase()}): ${k.description}`).join('\n') + '\n',
    'Every kind is in the category `llmd`: `kubectl get llmd` lists all llm-d.io objects of a namespace (kubectl expands a category before a short name, so it does not mean LLMDeployments alone there; `kubectl get llmdeploy` does).\n',
    ...KINDS.map((k) => kindSection(k, sorted)),
  ].join('\n');
}
