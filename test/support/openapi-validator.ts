import { readFileSync } from 'node:fs';

export interface OpenApiSchema {
  type?: string;
  format?: string;
  $ref?: string;
  allOf?: OpenApiSchema[];
  items?: OpenApiSchema;
  properties?: Record<string, OpenApiSchema>;
  required?: string[];
  enum?: unknown[];
  nullable?: boolean;
  minItems?: number;
  maxItems?: number;
}

interface Operation {
  operationId?: string;
  responses?: Record<
    string,
    { content?: Record<string, { schema?: OpenApiSchema; example?: unknown }> } | undefined
  >;
}

/** Strava's provider reference, as vendored under /work/shared/reference (a copy lives in test/fixtures). */
const STRAVA = new URL('../fixtures/providers/strava-api-v3.openapi.json', import.meta.url);

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Fields Strava sends as JSON null when they have no value, though the converted OpenAPI document
 * (which has no `nullable` flags) types them as plain strings or integers and its examples never
 * show the null. Observed in real answers: an upload still processing has `error` and `activity_id`
 * null; an activity without gear has `gear_id` null; one not made by an upload has `upload_id_str`
 * null; a manual activity has `device_name` null.
 */
const NULLABLE_BY_OBSERVATION = ['error', 'activity_id', 'gear_id', 'upload_id_str', 'device_name'];

/**
 * A small validator of JSON answers against an OpenAPI 3.0 document: `$ref` and `allOf`, types,
 * integer and date-time formats, enums, array bounds, and no undeclared properties. Real Strava
 * answers carry fields the schema does not declare but the document's own response examples show
 * (`resource_state`, `utc_offset`, `has_heartrate`, ...): a property is accepted when the
 * operation's example has it at the same place, or when a response example of the same schema (or
 * of one it extends: a DetailedActivity is a SummaryActivity) has it at the top. `null` is accepted where any example in the document
 * shows that field null, or for the fields in {@link NULLABLE_BY_OBSERVATION}.
 */
export class OpenApiValidator {
  private readonly nullable = new Set<string>(NULLABLE_BY_OBSERVATION);
  private readonly operations = new Map<string, Operation>();
  /** Top-level keys of the response examples of each schema, over every operation answering it. */
  private readonly exampleKeys = new Map<string, Set<string>>();

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
    const errors: string[] = [];
    this.check(media.schema, body, operationId, media.example, errors);
    return errors;
  }

  /** Errors of `value` against a schema (a component name or an inline schema). */
  validate(schema: string | OpenApiSchema, value: unknown, example?: unknown): string[] {
    const errors: string[] = [];
    const node = typeof schema === 'string' ? { $ref: `#/components/schemas/${schema}` } : schema;
    this.check(node, value, typeof schema === 'string' ? schema : 'value', example, errors);
    return errors;
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
      const target = this.doc.components.schemas[node.$ref.replace('#/components/schemas/', '')];
      return [node.$ref, ...(target ? this.refsOf(target) : [])];
    }
    return (node.allOf ?? []).flatMap((p) => this.refsOf(p));
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

  private resolve(node: OpenApiSchema): OpenApiSchema {
    if (node.$ref) {
      const name = node.$ref.replace('#/components/schemas/', '');
      const target = this.doc.components.schemas[name] as OpenApiSchema | undefined;
      if (!target) throw new Error(`unknown schema ${node.$ref}`);
      return this.resolve(target);
    }
    if (!node.allOf) return node;
    const parts = node.allOf.map((p) => this.resolve(p));
    return {
      type: 'object',
      properties: Object.assign({}, ...parts.map((p) => p.properties ?? {})),
      required: parts.flatMap((p) => p.required ?? []),
    };
  }

  private check(raw: OpenApiSchema, value: unknown, path: string, example: unknown, errors: string[]): void {
    const node = this.resolve(raw);
    const name = path
      .split('.')
      .at(-1)!
      .replace(/\[\d+\]$/, '');
    if (value === null) {
      if (!node.nullable && !this.nullable.has(name)) errors.push(`${path}: null`);
      return;
    }
    const type = node.type ?? (node.properties ? 'object' : undefined);
    switch (type) {
      case 'object': {
        if (typeof value !== 'object' || Array.isArray(value))
          return void errors.push(`${path}: expected an object`);
        const record = value as Record<string, unknown>;
        const sample = example && typeof example === 'object' ? (example as Record<string, unknown>) : {};
        for (const [key, child] of Object.entries(record)) {
          const declared = node.properties?.[key];
          if (declared) this.check(declared, child, `${path}.${key}`, sample[key], errors);
          else if (!(key in sample) && !this.refsOf(raw).some((ref) => this.exampleKeys.get(ref)?.has(key)))
            errors.push(`${path}.${key}: not in the schema or its examples`);
        }
        for (const key of node.required ?? [])
          if (record[key] === undefined) errors.push(`${path}.${key}: required`);
        return;
      }
      case 'array': {
        if (!Array.isArray(value)) return void errors.push(`${path}: expected an array`);
        if (node.minItems !== undefined && value.length < node.minItems && value.length > 0)
          errors.push(`${path}: fewer than ${node.minItems} items`);
        if (node.maxItems !== undefined && value.length > node.maxItems)
          errors.push(`${path}: more than ${node.maxItems} items`);
        const sample = Array.isArray(example) ? example[0] : undefined;
        value.forEach((item, i) => this.check(node.items ?? {}, item, `${path}[${i}]`, sample, errors));
        return;
      }
      case 'string':
        if (typeof value !== 'string') return void errors.push(`${path}: expected a string`);
        if (node.format === 'date-time' && !DATE_TIME.test(value))
          errors.push(`${path}: not an RFC 3339 date-time`);
        break;
      case 'integer':
        if (!Number.isInteger(value)) return void errors.push(`${path}: expected an integer`);
        break;
      case 'number':
        if (typeof value !== 'number' || !Number.isFinite(value))
          return void errors.push(`${path}: expected a number`);
        break;
      case 'boolean':
        if (typeof value !== 'boolean') return void errors.push(`${path}: expected a boolean`);
        break;
      default:
        return;
    }
    if (node.enum && !node.enum.includes(value)) errors.push(`${path}: ${String(value)} is not in the enum`);
  }
}
