// A worker process for crash tests: the real application in the worker role, with a connector that
// blocks forever on the chunk starting at BLOCK_START_DATE. The test kills it with SIGKILL.
import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import { AppModule } from '../../src/app.module.js';
import { loadConfig } from '../../src/config/app-config.js';
import { CHUNK_PROCESSOR } from '../../src/modules/chunks/chunk-processor.js';
import { TestConnector } from './test-connector.js';

const connector = new TestConnector();
connector.script(process.env.BLOCK_START_DATE!, { kind: 'block', until: new Promise(() => undefined) });
const config = loadConfig(process.env);
const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] })
  .overrideProvider(CHUNK_PROCESSOR)
  .useValue(connector)
  .compile();
const app = moduleRef.createNestApplication({ logger: false });
await app.init();
process.stdout.write('ready\n');
