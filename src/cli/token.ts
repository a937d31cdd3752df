import { parseArgs } from 'node:util';
import { signToken } from '../common/auth/token.js';
import { ConfigError, loadConfig } from '../config/app-config.js';
import { loadDotEnv } from '../config/dotenv.js';

const USAGE = 'usage: npm run -s token -- --sub <userId> [--admin] [--ttl <seconds>]';

/** `npm run token -- --sub alice [--admin] [--ttl 3600]`: prints a bearer token for the local service. */
try {
  const { values } = parseArgs({
    options: {
      sub: { type: 'string' },
      admin: { type: 'boolean', default: false },
      ttl: { type: 'string', default: String(24 * 3600) },
    },
  });
  if (!values.sub) throw new Error(USAGE);
  loadDotEnv(); // the service's JWT_SECRET, when .env sets it
  const config = loadConfig();
  const token = signToken(
    config.auth.jwtSecret,
    { sub: values.sub, roles: values.admin ? ['admin'] : [] },
    Number(values.ttl),
  );
  process.stdout.write(`${token}\n`);
} catch (error) {
  const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
  const badArgs = String((error as { code?: string }).code).startsWith('ERR_PARSE_ARGS');
  process.stderr.write(`${message}\n${badArgs ? `${USAGE}\n` : ''}`);
  process.exit(1);
}
