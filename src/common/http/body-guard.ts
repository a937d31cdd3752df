import type { IncomingMessage, ServerResponse } from 'node:http';

/** The media types the JSON body parser reads; any other body on a route is 415. */
export const JSON_TYPES = ['application/json', 'application/*+json'];

/** A body-parser error (mapped by its `type` in problem.filter.ts) for a body nested or keyed beyond the limits. */
export class JsonShapeError extends Error {
  readonly status = 422;
  readonly type = 'entity.shape.exceeded';
}

/**
 * Scans raw JSON text once, without recursion, and says why it is too deep or has too many keys
 * (undefined when it is within both limits). Runs before `JSON.parse`, so no later recursive walk
 * (class-transformer, class-validator, the idempotency fingerprint) ever sees a depth bomb.
 */
export function jsonShapeProblem(buf: Uint8Array, maxDepth: number, maxKeys: number): string | undefined {
  let depth = 0;
  let keys = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) return `The JSON body is nested deeper than ${maxDepth} levels`;
    } else if (c === 0x7d || c === 0x5d) depth--;
    else if (c === 0x3a && ++keys > maxKeys) return `The JSON body has more than ${maxKeys} keys`;
  }
  return undefined;
}

/** body-parser `verify` hook enforcing {@link jsonShapeProblem}. */
export function jsonShapeVerifier(maxDepth: number, maxKeys: number) {
  return (_req: IncomingMessage, _res: ServerResponse, buf: Buffer): void => {
    const problem = jsonShapeProblem(buf, maxDepth, maxKeys);
    if (problem) throw new JsonShapeError(problem);
  };
}

/** True when the request carries a body (a non-zero Content-Length, or a chunked one). */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  if (length !== undefined) return length.trim() !== '0';
  return req.headers['transfer-encoding'] !== undefined;
}

/** True when the request declares a JSON media type (`application/json`, `application/*+json`). */
export function isJsonBody(req: IncomingMessage): boolean {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  return type === 'application/json' || /^application\/[a-z0-9.!#$&^_-]+\+json$/.test(type);
}
