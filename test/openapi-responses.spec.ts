import { createServer, type Server } from 'node:http';
import request from 'supertest';
import { ResponseValidator, validateResponsesOf } from './support/openapi-responses.js';

/**
 * The response check every e2e request goes through (test/support/app.ts): what it accepts and
 * what it reports, on a small document and a plain HTTP server (no database).
 */
describe('ResponseValidator', () => {
  const document = {
    paths: {
      '/v1/things/{id}': {
        get: {
          responses: {
            '200': {
              headers: {
                ETag: { schema: { type: 'string' } },
                'RateLimit-Limit': { schema: { type: 'integer' } },
              },
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } },
            },
            '304': { description: 'not modified' },
            '404': {
              content: {
                'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDto' } },
              },
            },
          },
        },
        delete: { responses: { '204': { description: 'gone' } } },
      },
      '/metrics': {
        get: { responses: { '200': { content: { 'text/plain': { schema: { type: 'string' } } } } } },
      },
    },
    components: {
      schemas: {
        Thing: {
          type: 'object',
          required: ['id', 'status', 'at'],
          properties: {
            id: { type: 'string', format: 'uuid' },
            status: { type: 'string', enum: ['A', 'B'] },
            at: { type: 'string', format: 'date-time' },
            count: { type: 'integer' },
            parent: { nullable: true, type: 'object', allOf: [{ $ref: '#/components/schemas/Parent' }] },
            note: { type: 'string', nullable: true },
          },
        },
        Parent: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
        ProblemDto: {
          type: 'object',
          required: ['code', 'status'],
          properties: { code: { type: 'string' }, status: { type: 'number' }, title: { type: 'string' } },
        },
      },
    },
  };
  const validator = new ResponseValidator(document);
  const id = '3f2a9c4e-8b1d-4c7a-9e5f-0a1b2c3d4e5f';
  const json = { 'content-type': 'application/json; charset=utf-8' };
  const ok = { id, status: 'A', at: '2026-01-01T00:00:00.000Z', parent: null, note: null };
  const seen = (over: Partial<Parameters<ResponseValidator['check']>[0]>) =>
    validator.check({
      method: 'GET',
      url: `http://127.0.0.1:1/v1/things/${id}?x=1`,
      status: 200,
      headers: json,
      body: ok,
      text: JSON.stringify(ok),
      ...over,
    });

  it('accepts answers the document describes', () => {
    expect(seen({})).toEqual([]);
    expect(seen({ body: { ...ok, parent: { name: 'p' }, count: 3 } })).toEqual([]);
    expect(seen({ status: 304, headers: {}, body: undefined, text: '' })).toEqual([]);
    expect(seen({ method: 'DELETE', status: 204, headers: {}, body: undefined, text: '' })).toEqual([]);
    expect(
      seen({ url: '/metrics', headers: { 'content-type': 'text/plain; version=0.0.4' }, text: 'x 1' }),
    ).toEqual([]);
    expect(
      seen({
        url: '/v1/nowhere',
        status: 404,
        headers: { 'content-type': 'application/problem+json' },
        body: { code: 'NOT_FOUND', status: 404 },
      }),
    ).toEqual([]);
  });

  it('holds a body sent to an operation that takes none only to the problem shape', () => {
    const problem = { 'content-type': 'application/problem+json' };
    const answer = { method: 'DELETE', status: 415, headers: problem, body: { code: 'X', status: 415 } };
    expect(seen({ ...answer, sentBody: true })).toEqual([]);
    expect(seen({ ...answer, sentBody: true, body: { status: 415 } })).toEqual([
      `DELETE /v1/things/${id} → 415.code: required`,
    ]);
    expect(seen(answer)).toEqual([
      `DELETE /v1/things/${id} → 415: status not documented for DELETE /v1/things/{id} (documents 204)`,
    ]);
  });

  it('reports undocumented statuses, content types, bodies and header values', () => {
    const at = `GET /v1/things/${id} → `;
    expect(seen({ status: 500 })).toEqual([
      `${at}500: status not documented for GET /v1/things/{id} (documents 200, 304, 404)`,
    ]);
    expect(seen({ headers: { 'content-type': 'text/html' } })).toEqual([
      `${at}200: content-type text/html, documented application/json`,
    ]);
    expect(
      seen({
        body: { id: 'nope', status: 'C', at: 'yesterday', count: 1.5, parent: { name: 1 }, extra: true },
        headers: { ...json, 'ratelimit-limit': 'many' },
      }),
    ).toEqual([
      `${at}200: header RateLimit-Limit: expected an integer`,
      `${at}200.at: not an RFC 3339 date-time`,
      `${at}200.count: expected an integer`,
      `${at}200.extra: not in the schema`,
      `${at}200.id: not a uuid`,
      `${at}200.parent.name: expected a string`,
      `${at}200.status: C is not in the enum`,
    ]);
    expect(seen({ body: { id } })).toEqual([`${at}200.at: required`, `${at}200.status: required`]);
    expect(seen({ method: 'DELETE', status: 204, text: '{}' })).toEqual([
      `DELETE /v1/things/${id} → 204: a body (application/json), documented without one`,
    ]);
    expect(seen({ url: '/v1/nowhere', status: 200 })).toEqual([
      'GET /v1/nowhere → 200: the document has no such operation',
      'GET /v1/nowhere → 200: content-type application/json, not a problem',
    ]);
  });

  describe('on supertest requests', () => {
    let server: Server;
    beforeAll(() => {
      server = createServer((req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(req.url?.includes('bad') ? { ...ok, status: 'Z' } : ok));
      });
      validateResponsesOf(server, document);
    });

    it('passes a conforming answer and fails a request whose answer does not conform', async () => {
      await request(server).get(`/v1/things/${id}`).expect(200);
      await expect(request(server).get(`/v1/things/bad-${id}`).expect(200)).rejects.toThrow(
        /does not match the OpenAPI document[^]*200\.status: Z is not in the enum/,
      );
      // a failed expectation is reported first
      await expect(request(server).get(`/v1/things/bad-${id}`).expect(201)).rejects.toThrow(/expected 201/);
    });
  });
});
