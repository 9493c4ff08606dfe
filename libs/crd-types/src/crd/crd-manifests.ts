// The CustomResourceDefinitions of every llm-d.io kind, generated from the zod schemas and the KINDS
// table: what deploy/crds holds (npm run crds:gen writes it; a spec fails when it is stale).
import { stringify } from 'yaml';
import { GROUP, VERSION } from '../common';
import { KindDefinition, KINDS } from '../kinds';
import { JsonSchema, structuralSchema } from './structural-schema';

export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    group: string;
    names: { kind: string; listKind: string; plural: string; singular: string; shortNames: string[]; categories: string[] };
    scope: 'Namespaced';
    versions: {
      name: string;
      served: true;
      storage: true;
      schema: { openAPIV3Schema: JsonSchema };
      subresources: { status: Record<string, never>; scale?: KindDefinition['scale'] };
      additionalPrinterColumns: KindDefinition['printerColumns'];
    }[];
  };
}

/** Where the generated files live, relative to the repository root. */
export const CRD_DIR = 'deploy/crds';
export const crdFileName = (k: KindDefinition) => `${CRD_DIR}/${GROUP}_${k.plural}.yaml`;
export const GENERATED_HEADER = '# Generated from the zod schemas in libs/crd-types by `npm run crds:gen`. Do not edit: change the schemas and regenerate.\n';

/** The root schema of one kind: apiVersion, kind, metadata as apiextensions expects it, spec, status. */
export function kindSchema(k: KindDefinition): JsonSchema {
  return {
    description: k.description,
    type: 'object',
    required: ['spec'],
    properties: {
      apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' },
      kind: { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' },
      metadata: { type: 'object' },
      spec: { description: 'The desired state.', ...structuralSchema(k.spec) },
      status: { description: 'The observed state, written by the operator through the status subresource.', ...structuralSchema(k.status) },
    },
  };
}

export function crdManifest(k: KindDefinition): CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${k.plural}.${GROUP}`, labels: { 'app.kubernetes.io/part-of': 'llmd' } },
    spec: {
      group: GROUP,
      names: { kind: k.kind, listKind: `${k.kind}List`, plural: k.plural, singular: k.singular, shortNames: k.shortNames, categories: ['llmd'] },
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: sortSchema(kindSchema(k)) },
          subresources: { status: {}, ...(k.scale ? { scale: k.scale } : {}) },
          additionalPrinterColumns: k.printerColumns,
        },
      ],
    },
  };
}

/** A CustomResourceDefinition for every kind in KINDS. */
export function crdManifests(): CustomResourceDefinition[] {
  return KINDS.map(crdManifest);
}

/** The files of deploy/crds: path relative to the repository root, and text. */
export function crdFiles(): { path: string; text: string }[] {
  return KINDS.map((k) => ({ path: crdFileName(k), text: GENERATED_HEADER + stringify(crdManifest(k), { lineWidth: 0 }) }));
}

/** Schema keywords in alphabetical order (as controller-gen writes them); properties keep their declared order. */
function sortSchema(node: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const key of Object.keys(node).sort()) {
    const v = node[key];
    if (key === 'properties') out[key] = Object.fromEntries(Object.entries(v as Record<string, JsonSchema>).map(([p, s]) => [p, sortSchema(s)]));
    else if ((key === 'items' || key === 'additionalProperties') && typeof v === 'object') out[key] = sortSchema(v as JsonSchema);
    else out[key] = v;
  }
  return out;
}
