import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { openapiSchemaToJsonSchema } from '@openapi-contrib/openapi-schema-to-json-schema';

/** An OpenAPI 3.0 Schema Object (loosely typed: the validator is Ajv, this is only its input). */
export type OpenApiSchema = Record<string, any>;

export interface SchemaOptions {
  /** Objects with `properties` and no `additionalProperties` accept no other property (default false). */
  closed?: boolean;
  /** How an undeclared property is reported. */
  undeclared?: string;
}

let documents = 0;
const COMPOSED = ['allOf', 'anyOf', 'oneOf', '$ref'] as const;
const NUMERIC_FORMATS = new Set(['int32', 'int64', 'float', 'double']);
const article = (type: string) => (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`);

/**
 * The schemas of one OpenAPI 3.0 document, validated with Ajv (JSON Schema, with ajv-formats for
 * `date-time`, `uuid`, ...). Each schema is converted to JSON Schema once by
 * @openapi-contrib/openapi-schema-to-json-schema (`nullable`, OpenAPI-only keywords) and compiled once,
 * on first use. Two adaptations that converter leaves out: `$ref`s point into this document, and a
 * `nullable` composed schema (`{ nullable: true, allOf: [{ $ref }] }`, what @nestjs/swagger writes for
 * an optional nested DTO) accepts `null`.
 */
export class OpenApiSchemas {
  readonly id = `openapi-${++documents}`;
  private readonly ajv = new Ajv({ strict: false, allErrors: true, verbose: true, validateSchema: false });
  private readonly compiled = new WeakMap<object, ValidateFunction>();

  constructor(
    components: Record<string, OpenApiSchema>,
    private readonly options: SchemaOptions = {},
  ) {
    addFormats.default(this.ajv); // CommonJS: the plugin is module.exports and its own `default`
    const schemas = Object.fromEntries(
      Object.entries(components).map(([name, schema]) => [name, this.toJsonSchema(schema)]),
    );
    this.ajv.addSchema({ $id: this.id, components: { schemas } });
  }

  /** Errors of `value` against `schema` (an OpenAPI schema of this document), as `path: what` lines. */
  validate(schema: OpenApiSchema, value: unknown, at = '$'): string[] {
    let check = this.compiled.get(schema);
    if (!check) {
      check = this.ajv.compile(this.toJsonSchema(schema));
      this.compiled.set(schema, check);
    }
    if (check(value)) return [];
    return describe(check.errors ?? [], at, this.options.undeclared ?? 'not in the schema').sort();
  }

  private toJsonSchema(schema: OpenApiSchema): OpenApiSchema {
    const json = openapiSchemaToJsonSchema(this.adapt(schema) as object, { cloneSchema: false }) as any;
    delete json.$schema; // draft-04's URI: Ajv validates with its default draft, which reads these the same
    return json;
  }

  private adapt(node: unknown): unknown {
    if (Array.isArray(node)) return node.map((n) => this.adapt(n));
    if (!node || typeof node !== 'object') return node;
    const out: OpenApiSchema = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith('#/')) out.$ref = this.id + value;
      else if (key === 'example' || key === 'examples') out[key] = value;
      else out[key] = this.adapt(value);
    }
    if (this.options.closed && out.properties && out.additionalProperties === undefined && !out.allOf)
      out.additionalProperties = false;
    if (out.nullable === true && COMPOSED.some((k) => k in out)) {
      const { nullable: _nullable, description, example: _example, ...rest } = out;
      return { description, anyOf: [{ type: 'null' }, rest] };
    }
    return out;
  }
}

/** Ajv's errors as `$.items[0].status: ...` lines. */
function describe(errors: ErrorObject[], at: string, undeclared: string): string[] {
  const lines = new Set<string>();
  for (const error of errors) {
    const path =
      at +
      error.instancePath
        .split('/')
        .slice(1)
        .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
        .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`))
        .join('');
    const params = error.params as Record<string, any>;
    switch (error.keyword) {
      case 'anyOf':
      case 'if':
        continue; // its branches say why
      case 'type':
        if (params.type === 'null') continue; // the null branch of a nullable composed schema
        lines.add(
          error.data === null ? `${path}: null` : `${path}: expected ${article(String(params.type))}`,
        );
        break;
      case 'required':
        lines.add(`${path}.${params.missingProperty}: required`);
        break;
      case 'additionalProperties':
        lines.add(`${path}.${params.additionalProperty}: ${undeclared}`);
        break;
      case 'enum':
        lines.add(`${path}: ${String(error.data)} is not in the enum`);
        break;
      case 'format':
        if (NUMERIC_FORMATS.has(params.format)) continue; // the type (and the range) say it
        lines.add(
          `${path}: ${params.format === 'date-time' ? 'not an RFC 3339 date-time' : `not a ${params.format}`}`,
        );
        break;
      case 'maxItems':
        lines.add(`${path}: more than ${params.limit} items`);
        break;
      case 'minItems':
        lines.add(`${path}: fewer than ${params.limit} items`);
        break;
      default:
        lines.add(`${path}: ${error.message}`);
    }
  }
  return [...lines];
}
