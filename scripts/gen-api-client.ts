/**
 * Writes test/generated/api.d.ts: TypeScript types of the service's OpenAPI document (the one served
 * at /docs/openapi.json), generated with openapi-typescript, for the typed client the e2e suite drives
 * (test/openapi-client.e2e-spec.ts, with openapi-fetch) the way a mobile team would.
 *
 *   npm run gen:api-client           # regenerate (commit the result)
 *   npm run gen:api-client -- --check  # exit 1 when the committed file is stale
 *
 * The document is built in-process exactly as the service builds it (no database is contacted: the
 * application is created, not started).
 */
import 'reflect-metadata';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from '../src/app.module.js';
import { APP_OPTIONS, buildOpenApiDocument } from '../src/bootstrap.js';
import { loadConfig } from '../src/config/app-config.js';
import { API_TYPES as TARGET, apiTypesOf } from '../test/support/api-types.js';

const config = loadConfig({
  NODE_ENV: 'test',
  DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
  JWT_SECRET: 'only-to-build-the-openapi-document-0123456789abcdef',
  TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
  LOG_LEVEL: 'silent',
});
const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
  ...APP_OPTIONS,
  logger: false,
});
const types = await apiTypesOf(buildOpenApiDocument(app));
await app.close();

if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(TARGET, 'utf8');
  } catch {
    // missing counts as stale
  }
  if (committed !== types) {
    process.stderr.write(`${TARGET} is stale: run npm run gen:api-client\n`);
    process.exit(1);
  }
} else {
  mkdirSync(dirname(TARGET), { recursive: true });
  writeFileSync(TARGET, types);
  process.stdout.write(`wrote ${TARGET}\n`);
}
