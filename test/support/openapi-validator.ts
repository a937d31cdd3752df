import { readFileSync } from 'node:fs';
import { OpenApiSchemas, type OpenApiSchema } from './openapi-schemas.js';

export type { OpenApiSchema } from './openapi-schemas.js';

interface Operation {
  operationId?: string;
  responses?: Record<
    string,
    { content?: Record<string, { schema?: OpenApiSchema; example?: unknown }> } | undefined
  >;
}

/** Strava's provider reference, as vendored under /work/shared/reference (a copy lives in test/fixtures). */
const STRAVA = new URL('../fixtures/providers/strava-api-v3.openapi.json', import.meta.url);

/**
 * Fields Strava sends as JSON null when they have no value, though the converted OpenAPI document
 * (which has no `nullable` flags) types them as plain strings or integers and its examples never
 * show the null. Observed in real answers: an upload still processing has `error` and `activity_id`
 * null; an activity without gear has `gear_id` null; one not made by an upload has `upload_id_str`
 * null; a manual activity has `device_name` null.
 */
const NULLABLE_BY_OBSERVATION = ['error', 'activity_id', 'gear_id', 'upload_id_str', 'device_name'];

const REF = '#/components/schemas/';
const isObject = (v: unknown): v is Record<string, unknown> =>
  !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * JSON answers against a provider's OpenAPI 3.0 document, validated with Ajv
 * ({@link OpenApiSchemas}: `$ref` and `allOf`, types, formats, enums, array bounds), with no
 * undeclared properties. The document is read the way Strava's answers need before it is compiled:
 * real Strava answers carry fields the schema does not declare but the document's own response
 * examples show (`resource_state`, `utc_offset`, `has_heartrate`, ...): a property is accepted when
 * the operation's example has it at the same place, or when a response example of the same schema (or
 * of one it extends: a DetailedActivity is a SummaryActivity) has it at the top. `null` is accepted
 * where any example in the document shows that field null, or for the fields in
 * {@link NULLABLE_BY_OBSERVATION}. An empty array satisfies `minItems` (Strava's `start_latlng` of an
 * indoor activity is `[]`).
 */
export class OpenApiValidator {
  private readonly nullable = new Set<string>(NULLABLE_BY_OBSERVATION);
  private readonly operations = new Map<string, Operation>();
  /** Top-level keys of the response examples of each schema, over every operation answering it. */
  private readonly exampleKeys = new Map<string, Set<string>>();
  /** The components as compiled: `allOf` merged, example keys declared, observed nulls nullable. */
  private readonly components: Record<string, OpenApiSchema> = {};
  private readonly schemas: OpenApiSchemas;
  /** The schema each (schema, example) pair validates with, so each compiles once. */
  private readonly prepared = new Map<unknown, Map<unknown, OpenApiSchema>>();

  constructor(private readonly doc: { paths: Record<string, Record<string, Operation>>; components: any }) {
    for (const item of Object.values(doc.paths)) {
      for (const op of Object.values(item)) {
        if (op && typeof op === 'object' && op.operationId) this.operations.set(op.operationId, op);
        for (const response of Object.values(op?.responses ?? {}))
          for (const media of Object.values(response?.content ?? {})) {
            this.collectNulls(media.example);
            this.collectKeys(media.schema, media.example);
          }
      }
    }
    for (const name of Object.keys(doc.components.schemas)) {
      const schema = this.merged({ $ref: REF + name });
      const properties = { ...schema.properties };
      for (const ref of this.refsOf({ $ref: REF + name }))
        for (const key of this.exampleKeys.get(ref) ?? []) properties[key] ??= {};
      this.components[name] = this.relaxed(schema.properties ? { ...schema, properties } : schema);
    }
    this.schemas = new OpenApiSchemas(this.components, {
      closed: true,
      undeclared: 'not in the schema or its examples',
    });
  }

  static strava(): OpenApiValidator {
    return new OpenApiValidator(JSON.parse(readFileSync(STRAVA, 'utf8')));
  }

  /** Errors of `body` as the `status` answer of `operationId` (or its `default` answer). */
  validateResponse(operationId: string, status: number, body: unknown): string[] {
    const op = this.operations.get(operationId);
    if (!op) return [`unknown operation ${operationId}`];
    const response = op.responses?.[String(status)] ?? op.responses?.default;
    const media = response?.content?.['application/json'];
    if (!media?.schema) return [`${operationId} ${status}: no JSON schema in the document`];
    return this.schemas.validate(this.withExample(media.schema, media.example), body, operationId);
  }

  /** Errors of `value` against a schema (a component name or an inline schema). */
  validate(schema: string | OpenApiSchema, value: unknown, example?: unknown): string[] {
    const prepared = this.withExample(schema, example);
    return this.schemas.validate(prepared, value, typeof schema === 'string' ? schema : 'value');
  }

  /** The schema `schema` (a component name or an inline schema) validates with, given its example. */
  private withExample(schema: string | OpenApiSchema, example: unknown): OpenApiSchema {
    let byExample = this.prepared.get(schema);
    if (!byExample) this.prepared.set(schema, (byExample = new Map()));
    let prepared = byExample.get(example);
    if (!prepared) {
      const node = typeof schema === 'string' ? { $ref: REF + schema } : schema;
      byExample.set(example, (prepared = this.augment(node, example)));
    }
    return prepared;
  }

  /**
   * `node` with the keys `example` shows declared at their place (as `{}`): the schemas along the
   * example's objects are inlined (as far as the example goes) so that only this use accepts them.
   */
  private augment(node: OpenApiSchema, example: unknown): OpenApiSchema {
    if (example === undefined || example === null || typeof example !== 'object') return node;
    if (node.nullable && node.allOf?.length === 1)
      return { ...node, allOf: [this.augment(node.allOf[0], example)] };
    const target = node.$ref ? this.components[node.$ref.slice(REF.length)] : this.relaxed(this.merged(node));
    if (!target) throw new Error(`unknown schema ${node.$ref}`);
    if (Array.isArray(example)) {
      return target.items ? { ...target, items: this.augment(target.items, example[0]) } : target;
    }
    if (!isObject(target.properties) && target.type !== 'object') return target;
    const properties: Record<string, OpenApiSchema> = {};
    for (const [key, schema] of Object.entries<OpenApiSchema>(target.properties ?? {}))
      properties[key] = this.augment(schema, example[key as keyof typeof example]);
    for (const key of Object.keys(example)) properties[key] ??= {};
    return { ...target, type: 'object', properties };
  }

  /** `allOf` merged into one object schema (resolving `$ref`s), as Strava's documents compose them. */
  private merged(node: OpenApiSchema): OpenApiSchema {
    if (node.$ref) {
      const target = this.doc.components.schemas[node.$ref.slice(REF.length)] as OpenApiSchema | undefined;
      if (!target) throw new Error(`unknown schema ${node.$ref}`);
      return this.merged(target);
    }
    if (!node.allOf) return node;
    const parts = (node.allOf as OpenApiSchema[]).map((p) => this.merged(p));
    return {
      type: 'object',
      properties: Object.assign({}, ...parts.map((p) => p.properties ?? {})),
      required: parts.flatMap((p) => p.required ?? []),
    };
  }

  /** Observed nulls made nullable, and `minItems` that an empty array also satisfies, through `node`. */
  private relaxed(node: OpenApiSchema): OpenApiSchema {
    const out: OpenApiSchema = { ...node };
    if (isObject(node.properties)) {
      out.properties = {};
      for (const [key, schema] of Object.entries(node.properties as Record<string, OpenApiSchema>)) {
        const child = this.relaxed(schema);
        out.properties[key] = this.nullable.has(key) ? { nullable: true, allOf: [child] } : child;
      }
    }
    if (node.items) out.items = this.relaxed(node.items);
    if (typeof node.minItems === 'number') {
      delete out.minItems;
      out.if = { minItems: 1 };
      out.then = { minItems: node.minItems };
    }
    return out;
  }

  private collectKeys(schema: OpenApiSchema | undefined, example: unknown): void {
    const ref = schema?.$ref ?? schema?.items?.$ref;
    const sample = Array.isArray(example) ? example[0] : example;
    if (!ref || !sample || typeof sample !== 'object') return;
    const keys = this.exampleKeys.get(ref) ?? new Set<string>();
    for (const key of Object.keys(sample)) keys.add(key);
    this.exampleKeys.set(ref, keys);
  }

  /** The refs a schema is made of ($ref and allOf, recursively): a DetailedActivity is a SummaryActivity too. */
  private refsOf(node: OpenApiSchema): string[] {
    if (node.$ref) {
      const target = this.doc.components.schemas[node.$ref.slice(REF.length)];
      return [node.$ref, ...(target ? this.refsOf(target) : [])];
    }
    return (node.allOf ?? []).flatMap((p: OpenApiSchema) => this.refsOf(p));
  }

  private collectNulls(example: unknown): void {
    if (Array.isArray(example)) example.forEach((e) => this.collectNulls(e));
    else if (example && typeof example === 'object') {
      for (const [k, v] of Object.entries(example)) {
        if (v === null) this.nullable.add(k);
        else this.collectNulls(v);
      }
    }
  }
}
