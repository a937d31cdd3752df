import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

interface SchemaNode {
  type?: string;
  format?: string;
  $ref?: string;
  items?: SchemaNode;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode;
  enum?: string[];
  description?: string;
}

/** Google's discovery document (revision 20260527), vendored from the provider reference material. */
const DISCOVERY = resolve(import.meta.dirname, '../fixtures/providers/google-health-v4-discovery.json');

const DURATION = /^-?\d+(\.\d{1,9})?s$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A small validator over a Google discovery document's `schemas`: types, formats (int64 as decimal
 * strings, google-datetime, google-duration), enums, `$ref`s, no undeclared properties, and fields
 * whose description starts with "Required." present.
 */
export class DiscoveryValidator {
  private readonly schemas: Record<string, SchemaNode>;

  constructor(document: { schemas: Record<string, SchemaNode> }) {
    this.schemas = document.schemas;
  }

  static fromReference(file = DISCOVERY): DiscoveryValidator {
    return new DiscoveryValidator(JSON.parse(readFileSync(file, 'utf8')));
  }

  validate(schemaName: string, value: unknown): string[] {
    const errors: string[] = [];
    this.check({ $ref: schemaName }, value, schemaName, errors);
    return errors;
  }

  private check(node: SchemaNode, value: unknown, path: string, errors: string[]): void {
    if (node.$ref) {
      const schema = this.schemas[node.$ref];
      if (!schema) return void errors.push(`${path}: unknown schema ${node.$ref}`);
      return this.check(schema, value, path, errors);
    }
    switch (node.type) {
      case 'object': {
        if (typeof value !== 'object' || value === null || Array.isArray(value))
          return void errors.push(`${path}: expected an object`);
        const record = value as Record<string, unknown>;
        for (const [key, child] of Object.entries(record)) {
          const declared = node.properties?.[key];
          if (declared) this.check(declared, child, `${path}.${key}`, errors);
          else if (node.additionalProperties)
            this.check(node.additionalProperties, child, `${path}.${key}`, errors);
          else if (!(key === '@type' && path.endsWith('.response')))
            errors.push(`${path}.${key}: not in the schema`);
        }
        for (const [key, child] of Object.entries(node.properties ?? {})) {
          if (child.description?.startsWith('Required.') && record[key] === undefined)
            errors.push(`${path}.${key}: required`);
        }
        return;
      }
      case 'array':
        if (!Array.isArray(value)) return void errors.push(`${path}: expected an array`);
        value.forEach((item, i) => this.check(node.items ?? {}, item, `${path}[${i}]`, errors));
        return;
      case 'string':
        if (typeof value !== 'string') return void errors.push(`${path}: expected a string`);
        if ((node.format === 'int64' || node.format === 'uint64') && !/^-?\d+$/.test(value))
          errors.push(`${path}: not an int64 string`);
        if (node.format === 'google-datetime' && !RFC3339.test(value))
          errors.push(`${path}: not an RFC 3339 timestamp`);
        if (node.format === 'google-duration' && !DURATION.test(value))
          errors.push(`${path}: not a duration like "3600s"`);
        if (node.enum && !node.enum.includes(value))
          errors.push(`${path}: ${value} is not one of the enum values`);
        return;
      case 'integer':
        if (!Number.isInteger(value)) errors.push(`${path}: expected an integer`);
        return;
      case 'number':
        if (typeof value !== 'number' || !Number.isFinite(value)) errors.push(`${path}: expected a number`);
        return;
      case 'boolean':
        if (typeof value !== 'boolean') errors.push(`${path}: expected a boolean`);
        return;
      default:
        return; // 'any'
    }
  }
}
