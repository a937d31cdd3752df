import request from 'supertest';
import { OpenApiSchemas, type OpenApiSchema } from './openapi-schemas.js';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

interface Operation {
  method: string;
  template: string;
  pattern: RegExp;
  takesBody: boolean;
  responses: Record<string, ResponseObject>;
}

interface ResponseObject {
  description?: string;
  headers?: Record<string, { required?: boolean; schema?: OpenApiSchema }>;
  content?: Record<string, { schema?: OpenApiSchema }>;
}

/** One HTTP answer of the service, as a client saw it. */
export interface SeenResponse {
  method: string;
  url: string;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body (undefined when the answer is not JSON). */
  body: unknown;
  /** The raw body text (empty when there was none). */
  text: string;
  /** Whether the request carried a body. */
  sentBody?: boolean;
}

/** The document itself and Swagger UI: not operations of the API. */
const DOCS = /^\/docs(\/|$)/;
const mediaType = (header: unknown) =>
  String(header ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase();
const isJson = (type: string) => type === 'application/json' || type.endsWith('+json');

/**
 * Checks answers of the service against its own OpenAPI document (what /docs/openapi.json serves):
 * the status is one the operation documents; a documented body has a documented content type and its
 * JSON matches the schema, nothing undeclared (Ajv, see {@link OpenApiSchemas}); an answer documented
 * without a body has none; documented headers that are sent (or required) match their schema. A path
 * that is no route must answer a problem+json 404. Schemas compile once per document, on first use.
 */
export class ResponseValidator {
  private readonly schemas: OpenApiSchemas;
  private readonly operations: Operation[] = [];
  private readonly problem: OpenApiSchema;

  constructor(document: {
    paths: Record<string, any>;
    components: { schemas: Record<string, OpenApiSchema> };
  }) {
    this.schemas = new OpenApiSchemas(document.components.schemas, { closed: true });
    this.problem = { $ref: '#/components/schemas/ProblemDto' };
    for (const [template, item] of Object.entries(document.paths)) {
      const pattern = new RegExp(
        `^${template.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\\\{[^/]+?\\\}/g, '[^/]+')}$`,
      );
      for (const method of METHODS)
        if (item[method])
          this.operations.push({
            method,
            template,
            pattern,
            takesBody: Boolean(item[method].requestBody),
            responses: item[method].responses ?? {},
          });
    }
    // literal paths before templated ones (/v1/orchestrations/estimate before /v1/orchestrations/{id})
    this.operations.sort(
      (a, b) => (a.template.match(/\{/g)?.length ?? 0) - (b.template.match(/\{/g)?.length ?? 0),
    );
  }

  /** What is wrong with `res` as an answer of the document's API; empty when it conforms. */
  check(res: SeenResponse): string[] {
    const path = new URL(res.url, 'http://localhost').pathname.replace(/(.)\/$/, '$1');
    if (DOCS.test(path)) return [];
    const method = res.method.toLowerCase();
    const op =
      this.operations.find((o) => o.method === method && o.pattern.test(path)) ??
      (method === 'head'
        ? this.operations.find((o) => o.method === 'get' && o.pattern.test(path))
        : undefined);
    const at = `${res.method.toUpperCase()} ${path} → ${res.status}`;
    if (!op) {
      // no such route: the router's 404 (or 405 for another method of a documented path), as a problem
      const errors = [404, 405].includes(res.status) ? [] : [`${at}: the document has no such operation`];
      return [...errors, ...this.problemErrors(at, res)];
    }
    const documented =
      op.responses[String(res.status)] ?? op.responses[`${String(res.status)[0]}XX`] ?? op.responses.default;
    if (!documented && res.sentBody && !op.takesBody && res.status >= 400 && res.status < 500) {
      // a body sent to an operation that takes none is outside the document (the body parser answers
      // it before any route: 400, 413, 415): only the problem's shape is held to it
      return this.problemErrors(at, res);
    }
    if (!documented)
      return [
        `${at}: status not documented for ${op.method.toUpperCase()} ${op.template} (documents ${Object.keys(op.responses).join(', ')})`,
      ];
    return [...this.checkHeaders(at, documented, res), ...this.checkBody(at, documented, res)];
  }

  private problemErrors(at: string, res: SeenResponse): string[] {
    const type = mediaType(res.headers['content-type']);
    if (type !== 'application/problem+json') return [`${at}: content-type ${type || 'none'}, not a problem`];
    return this.schemas.validate(this.problem, res.body, at);
  }

  private checkHeaders(at: string, documented: ResponseObject, res: SeenResponse): string[] {
    const errors: string[] = [];
    for (const [name, header] of Object.entries(documented.headers ?? {})) {
      const value = res.headers[name.toLowerCase()];
      if (value === undefined) {
        if (header.required) errors.push(`${at}: header ${name} is required`);
        continue;
      }
      const type = header.schema?.type;
      const text = Array.isArray(value) ? value.join(', ') : value;
      const parsed =
        type === 'integer' || type === 'number' ? (/^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text) : text;
      if (header.schema)
        errors.push(...this.schemas.validate(header.schema, parsed, `${at}: header ${name}`));
    }
    return errors;
  }

  private checkBody(at: string, documented: ResponseObject, res: SeenResponse): string[] {
    const content = documented.content ?? {};
    const types = Object.keys(content);
    const type = mediaType(res.headers['content-type']);
    if (types.length === 0)
      return res.text ? [`${at}: a body (${type || 'no content-type'}), documented without one`] : [];
    if (res.status === 304 || res.method.toUpperCase() === 'HEAD') return [];
    const key = types.find((t) => t.toLowerCase() === type);
    if (!key) return [`${at}: content-type ${type || 'none'}, documented ${types.join(', ')}`];
    const schema = content[key].schema;
    if (!schema || !isJson(type)) return [];
    if (res.body === undefined) return [`${at}: ${type} body is not JSON`];
    return this.schemas.validate(schema, res.body, at);
  }
}

/** Compiled validators by document (test files build several apps of the same service). */
const byDocument = new Map<string, ResponseValidator>();

export function validatorFor(document: any): ResponseValidator {
  const key = JSON.stringify([document.paths, document.components]);
  let validator = byDocument.get(key);
  if (!validator) {
    validator = new ResponseValidator(document);
    byDocument.set(key, validator);
  }
  return validator;
}

/** The validators of the servers given to supertest, by server (see {@link validateResponsesOf}). */
const servers = new WeakMap<object, ResponseValidator>();
let hooked = false;

type Callback = (this: unknown, error: Error | null, res: unknown) => void;

/**
 * Makes every supertest request to `server` (`request(t.http)...`) check its answer against
 * `document`: a non-conforming answer fails the request (its promise rejects, or its `end` callback
 * gets the error) with what does not conform, like a failed `.expect(...)`.
 */
export function validateResponsesOf(server: object, document: any): void {
  servers.set(server, validatorFor(document));
  if (hooked) return;
  hooked = true;
  const Test = (request as unknown as { Test: { prototype: any } }).Test;
  const assert = Test.prototype.assert as (this: any, error: Error | null, res: any, fn: Callback) => void;
  Test.prototype.assert = function (this: any, error: Error | null, res: any, fn: Callback) {
    const validator = res && servers.get(this.app);
    if (!validator) return assert.call(this, error, res, fn);
    const problems = validator.check({
      method: this.method,
      url: this.url,
      status: res.status,
      headers: res.headers,
      body: isJson(mediaType(res.headers['content-type'])) ? res.body : undefined,
      text: res.text ?? '',
      sentBody: this._data !== undefined,
    });
    if (problems.length === 0) return assert.call(this, error, res, fn);
    return assert.call(this, error, res, function (this: unknown, failure: Error | null, r: unknown) {
      // a failed `.expect(...)` says more about the test; otherwise the answer breaks the contract
      const contract = new Error(
        `The answer does not match the OpenAPI document (/docs/openapi.json):\n  ${problems.join('\n  ')}`,
      );
      return fn.call(this, failure ?? contract, r);
    });
  };
}
