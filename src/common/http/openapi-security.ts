import { getSchemaPath, type OpenAPIObject } from '@nestjs/swagger';
import type { AppConfig } from '../../config/app-config.js';
import { problemResponse } from './api-errors.js';
import { ProblemDto } from './problem.dto.js';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;
const problem = { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemDto) } } };
const intHeader = (description: string) => ({ description, schema: { type: 'integer' } });

/**
 * Adds what every `/v1` operation shares to the generated document: the rate-limit headers, the 429
 * answer, the 415 answer of routes with a body, and the security terms (limits, caps, their codes)
 * in the document's description.
 */
export function documentSecurity(document: OpenAPIObject, config: AppConfig | undefined): OpenAPIObject {
  const rate = config?.rateLimit;
  const rateHeaders = {
    'RateLimit-Limit': intHeader(
      'Requests allowed in the current window (per user; per IP before authentication)',
    ),
    'RateLimit-Remaining': intHeader('Requests left in the current window'),
    'RateLimit-Reset': intHeader('Seconds until the window resets'),
  };
  for (const [path, item] of Object.entries(document.paths)) {
    if (!path.startsWith('/v1/')) continue;
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        if (/^2\d\d$/.test(status) && response && !('$ref' in response)) {
          response.headers = { ...response.headers, ...rateHeaders };
        }
      }
      op.responses['429'] = {
        ...problemResponse(
          [
            [
              'RATE_LIMITED',
              'the per-user or per-IP request budget is spent; retry after `Retry-After` seconds',
            ],
          ],
          getSchemaPath(ProblemDto),
        ),
        headers: { 'Retry-After': intHeader('Seconds to wait before retrying'), ...rateHeaders },
      };
      if (op.requestBody && !op.responses['415']) {
        op.responses['415'] = {
          description: 'UNSUPPORTED_MEDIA_TYPE: the body is not application/json',
          content: problem,
        };
      }
    }
  }
  const limits = rate
    ? `Per user: ${rate.user.points} requests per ${rate.user.windowSeconds} s; per client IP (on /v1, before ` +
      `authentication): ${rate.ip.points} requests per ${rate.ip.windowSeconds} s` +
      (rate.enabled ? '' : ' (rate limiting is disabled in this deployment)')
    : 'Per user and per client IP, as the deployment configures';
  document.info.description =
    `${document.info.description ?? ''}\n\n## Security terms\n` +
    `- Rate limits, shared by every replica: ${limits}. Every /v1 answer carries \`RateLimit-Limit\`, ` +
    '`RateLimit-Remaining` and `RateLimit-Reset`; beyond a budget the answer is `429 RATE_LIMITED` with `Retry-After`.\n' +
    `- Caps per user: ${config?.limits.devicesPerUser ?? 'a bounded number of'} registered devices ` +
    '(`409 DEVICE_LIMIT_REACHED` beyond); ' +
    `${config?.limits.activeHistoricalSyncsPerUser ?? 'a bounded number of'} HISTORICAL syncs that are ` +
    'PENDING, IN_PROGRESS or PAUSED at once (`409 SYNC_LIMIT_REACHED` beyond).\n' +
    '- A body that is not `application/json` is `415 UNSUPPORTED_MEDIA_TYPE`; a JSON body nested deeper than ' +
    `${config?.http.jsonMaxDepth ?? 32} levels or with more than ${config?.http.jsonMaxKeys ?? 1000} keys, and any ` +
    'string with a NUL character or an unpaired UTF-16 surrogate, is `422 VALIDATION_FAILED`.\n' +
    '- Bearer tokens must carry `exp`; `nbf`/`iat` are honoured and the lifetime is bounded.\n' +
    '- OAuth: `authorize-url` issues a single-use `state` bound to the caller, the provider and the redirect URI ' +
    '(from the deployment\u2019s allowlist); the code exchange requires it.';
  return document;
}
