import request from 'supertest';
import { ERROR_CATALOGUE } from '../src/common/http/api-errors.js';
import { operationsOf } from '../src/common/http/openapi-document.js';
import type { ErrorCode } from '../src/common/errors/error-codes.js';
import { createTestApp, type TestApp } from './support/app.js';

/**
 * The OpenAPI document teaches the API: walks every operation of the generated document (so a route
 * added later is held to the same bar) and lists what each one lacks. Fix a failure with
 * `@ApiDoc({ summary, description, errors })` on the route, a `description` on its success response,
 * and `example` on the DTO properties (src/common/http/api-problems.decorator.ts).
 */
describe('OpenAPI document', () => {
  let t: TestApp;
  let doc: any;

  beforeAll(async () => {
    t = await createTestApp();
    doc = (await request(t.http).get('/docs/openapi.json').expect(200)).body;
  });
  afterAll(() => t.close());

  const resolve = (schema: any): any =>
    schema?.$ref ? doc.components.schemas[schema.$ref.split('/').pop()] : schema;

  /** Paths inside `schema` (a property tree) with no example to show; empty when fully exemplified. */
  function unexemplified(schema: any, at: string, seen = new Set<any>()): string[] {
    if (!schema || 'example' in schema || schema.enum || schema.const !== undefined) return [];
    const target = resolve(schema);
    if (target !== schema) {
      if (seen.has(target)) return [];
      return unexemplified(target, at, new Set(seen).add(target));
    }
    for (const key of ['allOf', 'oneOf', 'anyOf'] as const)
      if (schema[key]) return schema[key].flatMap((s: any) => unexemplified(s, at, seen));
    if (schema.type === 'array') return unexemplified(schema.items, `${at}[]`, seen);
    if (schema.properties)
      return Object.entries(schema.properties).flatMap(([name, s]) =>
        unexemplified(s, `${at}.${name}`, seen),
      );
    if (schema.type === 'object' && !schema.properties) return []; // free-form (additionalProperties)
    return [at];
  }

  function mediaGaps(content: any, where: string): string[] {
    return Object.entries(content ?? {}).flatMap(([type, media]: [string, any]) => {
      if (media.example !== undefined || media.examples) return [];
      if (type.startsWith('text/')) return media.schema ? [] : [`${where} ${type}: no schema`];
      return unexemplified(media.schema, '$').map((p) => `${where} ${type}: no example for ${p}`);
    });
  }

  it('describes every operation: what, when, errors and why, with examples', () => {
    const gaps: string[] = [];
    for (const { path, method, op } of operationsOf(doc)) {
      const name = `${method.toUpperCase()} ${path}`;
      const gap = (what: string) => gaps.push(`${name}: ${what}`);
      if (!op.summary?.trim()) gap('no summary');
      if (!op.description || op.description.trim().length < 40) gap('no description (what, when, errors)');
      if (op.requestBody) gaps.push(...mediaGaps((op.requestBody as any).content, `${name} request body`));
      const headers = (op.parameters ?? []).map((p: any) => `${p.in}:${p.name.toLowerCase()}`);
      const pathParams = headers.some((h) => h.startsWith('path:'));
      const codes: ErrorCode[] = [];
      for (const [status, response] of Object.entries<any>(op.responses)) {
        if (!response.description?.trim()) gap(`response ${status} has no description`);
        const code = Number(status);
        if (code < 400) {
          gaps.push(...mediaGaps(response.content, `${name} response ${status}`));
          continue;
        }
        const examples = response.content?.['application/problem+json']?.examples ?? {};
        if (Object.keys(examples).length === 0) gap(`response ${status} names no error code`);
        for (const [key, example] of Object.entries<any>(examples)) {
          const entry = ERROR_CATALOGUE[key as ErrorCode];
          if (!entry) gap(`response ${status}: unknown code ${key}`);
          else if (entry.status !== code) gap(`response ${status}: ${key} is answered with ${entry.status}`);
          if (example.value?.code !== key)
            gap(`response ${status}: example ${key} has code ${example.value?.code}`);
          if (!response.description.includes(key))
            gap(`response ${status}: description does not name ${key}`);
          codes.push(key as ErrorCode);
        }
      }
      // codes a route cannot answer, by what the route is
      const v1 = path.startsWith('/v1/');
      if (v1 !== codes.includes('UNAUTHENTICATED'))
        gap(v1 ? 'no 401 UNAUTHENTICATED' : 'public, yet lists 401');
      if (!headers.includes('header:idempotency-key') && codes.some((c) => c.startsWith('IDEMPOTENCY_KEY_')))
        gap('takes no Idempotency-Key, yet lists an IDEMPOTENCY_KEY_* code');
      if (!pathParams && codes.includes('NOT_FOUND')) gap('has no path id, yet lists NOT_FOUND');
      if (!path.startsWith('/v1/admin/') && codes.includes('FORBIDDEN'))
        gap('not an admin route, yet lists FORBIDDEN');
      if (!op.requestBody && codes.some((c) => c === 'PAYLOAD_TOO_LARGE' || c === 'MALFORMED_REQUEST'))
        gap('has no body, yet lists a body error');
    }
    expect(gaps).toEqual([]);
  });

  it('lets Swagger UI send a pasted bearer token ("Authorize") to /v1 routes, and none to public ones', async () => {
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.security).toEqual([{ bearer: [] }]);
    for (const { path, op } of operationsOf(doc)) {
      if (path.startsWith('/v1/')) expect(op.security).toBeUndefined();
      else expect(op.security).toEqual([]);
    }
    const init = await request(t.http).get('/docs/swagger-ui-init.js').expect(200);
    expect(init.text).toContain('"persistAuthorization": true');
  });
});
