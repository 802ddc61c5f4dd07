// A kind description (names, scope, zod schemas, printer columns) → its CustomResourceDefinition
// (apiextensions.k8s.io/v1): one served and stored version, the status subresource, and a
// structural schema generated from the zod schemas (src/api/structural.ts).
import type { z } from 'zod';
import { GROUP, VERSION, type ConnectionSecretPolicy } from './common.ts';
import { derivedNameRules, type DerivedName } from './derived.ts';
import { structuralProblems, toStructural, type StructuralSchema } from './structural.ts';

/** A column of `kubectl get`. */
export interface PrinterColumn {
  /** Shown upper-cased by kubectl: `External-Name` prints as EXTERNAL-NAME. */
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  /** A simple JSONPath into the object (`.spec.region`), filters allowed on lists. */
  jsonPath: string;
  description?: string;
  /** 0 (the default) shows in `kubectl get`; 1 and above only with `-o wide`. */
  priority?: number;
}

/** Everything that makes one kind, written once in src/api/kinds.ts. */
export interface KindDescription {
  kind: string;
  /** Lowercase plural: the resource name in URLs and `kubectl get <plural>`. */
  plural: string;
  singular: string;
  shortNames: string[];
  scope: 'Namespaced' | 'Cluster';
  /** The kind's one-paragraph description, shown by `kubectl explain <kind>`. */
  description: string;
  spec: z.ZodType;
  status: z.ZodType;
  printerColumns: PrinterColumn[];
  /** `kubectl get <category>` lists every kind in it. */
  categories: string[];
  /** The external name when spec.externalName is unset (default: metadata.name as it is). */
  defaultExternalName?: (objectName: string) => string;
  /**
   * Names made up while a spec field is unset (the external name from metadata.name …): checked
   * under the field's rules by CEL at the object's root at create, and by the reconciler.
   */
  derivedNames?: readonly DerivedName[];
  /** Managed kinds with credentials: the connection Secret's default name and generated keys. */
  connectionSecret?: ConnectionSecretPolicy;
  /**
   * Managed kinds: the external identity two resources may not share (the claim key), from the
   * parsed spec and metadata.name. Default: `spec.externalName`, else `metadata.name`.
   */
  externalName?: ((spec: never, name: string) => string) | undefined;
  /** Managed kinds: objects whose drift checks one read answers (a DNS zone's listing), checked together. */
  resyncGroup?: ((spec: never) => string | undefined) | undefined;
  /**
   * Other assets of this kind the spec points at (a bucket's log target): each must be claimed by
   * an object of the same namespace through the same ProviderConfig, else the pass is refused.
   */
  assetReferences?: ((spec: never) => SpecReference[]) | undefined;
  /** Dotted spec paths of `<field>From` references (src/api/references.ts), resolved by the reconciler. */
  references?: readonly string[];
}

/** A spec field naming another asset of the same kind, by its external name. */
export interface SpecReference {
  field: string;
  externalName: string;
}

export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    group: string;
    names: { kind: string; listKind: string; plural: string; singular: string; shortNames: string[]; categories: string[] };
    scope: 'Namespaced' | 'Cluster';
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      subresources: { status: Record<string, never> };
      additionalPrinterColumns: PrinterColumn[];
      schema: { openAPIV3Schema: StructuralSchema };
    }[];
  };
}

export const AGE_COLUMN: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

/** A column showing one field of one condition, e.g. the Ready condition's status. */
export const conditionColumn = (name: string, condition: string, field: 'status' | 'reason' | 'message', description: string): PrinterColumn => ({
  name,
  type: 'string',
  jsonPath: `.status.conditions[?(@.type=="${condition}")].${field}`,
  description,
});

/** The CRD for a kind; throws when its schema is not one the apiserver would accept. */
export function crdFor(kind: KindDescription): CustomResourceDefinition {
  const schema = rootSchema(kind);
  const problems = [...structuralProblems(schema), ...columnProblems(kind.printerColumns, schema)];
  if (problems.length) throw new Error(`the ${kind.kind} CRD would not be accepted:\n  ${problems.join('\n  ')}`);
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${kind.plural}.${GROUP}`, labels: { 'app.kubernetes.io/part-of': 'mooring' } },
    spec: {
      group: GROUP,
      names: {
        kind: kind.kind,
        listKind: `${kind.kind}List`,
        plural: kind.plural,
        singular: kind.singular,
        shortNames: kind.shortNames,
        categories: kind.categories,
      },
      scope: kind.scope,
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: kind.printerColumns,
          schema: { openAPIV3Schema: schema },
        },
      ],
    },
  };
}

// metadata is the apiserver's: it validates ObjectMeta itself and allows a CRD to say no more
// than `type: object` there.
function rootSchema(kind: KindDescription): StructuralSchema {
  const spec = toStructural(kind.spec);
  const status = toStructural(kind.status);
  // A spec with required fields must be given; one without gets {} so its defaults apply.
  const specRequired = (spec.required ?? []).length > 0;
  if (!specRequired) spec.default = {};
  return {
    description: kind.description,
    properties: {
      apiVersion: { description: `The versioned schema of this object: ${GROUP}/${VERSION}.`, type: 'string' },
      kind: { description: `The kind of this object: ${kind.kind}.`, type: 'string' },
      metadata: { type: 'object' },
      spec,
      status,
    },
    ...(specRequired ? { required: ['spec'] } : {}),
    type: 'object',
    ...(kind.derivedNames?.length ? { 'x-kubernetes-validations': kind.derivedNames.flatMap(derivedNameRules) } : {}),
  };
}

/** Columns whose path leads nowhere in the schema show empty forever; catch them here. */
export function columnProblems(columns: PrinterColumn[], schema: StructuralSchema): string[] {
  const problems: string[] = [];
  for (const column of columns) {
    if (column.jsonPath === AGE_COLUMN.jsonPath) continue;
    // `.status.conditions[?(@.type=="Ready")].status` → status, conditions, [], status
    const steps = column.jsonPath.replace(/\[[^\]]*\]/g, '.[]').split('.').filter(Boolean);
    let node: StructuralSchema | undefined = schema;
    for (const step of steps) {
      if (!node) break;
      node = step === '[]' ? node.items : node.properties?.[step];
    }
    if (!node) problems.push(`printer column ${column.name}: ${column.jsonPath} is not a field of the schema`);
    else if (node.type !== (column.type === 'date' ? 'string' : column.type)) {
      problems.push(`printer column ${column.name}: ${column.jsonPath} is ${node.type ?? 'untyped'}, the column says ${column.type}`);
    }
  }
  return problems;
}
