/**
 * A benchmark's service process: the real application (API or worker role, real PostgreSQL and
 * pg-boss) listening on PORT, with the provider connector replaced by a fixed-delay one when
 * BENCH_CONNECTOR_DELAY_MS is set. Started by spawnService(); stops on SIGTERM.
 */
import { FixedDelayConnector, startApp } from './app.js';

const env = Object.fromEntries(
  Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined),
);
const delay = env.BENCH_CONNECTOR_DELAY_MS;
const app = await startApp(env, delay === undefined ? undefined : new FixedDelayConnector(Number(delay)));
await app.listen(Number(env.PORT), '127.0.0.1');
process.once('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
