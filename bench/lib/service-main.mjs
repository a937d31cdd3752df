// A benchmark's service process: the real application as built (`npm run build`, dist/), API or
// worker role, real PostgreSQL and pg-boss, listening on PORT; the provider connector is replaced
// by one that waits BENCH_CONNECTOR_DELAY_MS per chunk when that is set. Stops on SIGTERM.
// Plain JavaScript on purpose: it runs the compiled service as production does, without a loader.
import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import { AppModule } from '../../dist/src/app.module.js';
import { APP_OPTIONS, configureApp } from '../../dist/src/bootstrap.js';
import { loadConfig } from '../../dist/src/config/app-config.js';
import { CHUNK_PROCESSOR } from '../../dist/src/modules/chunks/chunk-processor.js';

const delay = process.env.BENCH_CONNECTOR_DELAY_MS;
const connector = {
  async processChunk() {
    if (Number(delay) > 0) await new Promise((r) => setTimeout(r, Number(delay)));
    return { recordsRead: 17, recordsWritten: 17, recordsSkipped: 0 };
  },
  async dataSpan() {
    return { first: null, last: null };
  },
};

const config = loadConfig(process.env);
let builder = Test.createTestingModule({ imports: [AppModule.forRoot(config)] });
if (delay !== undefined) builder = builder.overrideProvider(CHUNK_PROCESSOR).useValue(connector);
const app = configureApp((await builder.compile()).createNestApplication(APP_OPTIONS), config);
await app.listen(Number(process.env.PORT), '127.0.0.1');
process.once('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
