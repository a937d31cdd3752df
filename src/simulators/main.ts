import { parseArgs } from 'node:util';
import { isAddressInUse, PortInUseError } from '../config/ports.js';
import { startSimulators } from './simulators.js';

const USAGE = `Usage: npm run simulators -- [options]

Runs the Google Health API v4 (Fitbit) and Strava API v3 simulators on their own, for a service
started elsewhere (npm start finds them on these ports and uses them instead of its in-process ones).

Options (each also read from the environment variable shown):
  --google-port <port>   Google Health simulator port (GOOGLE_SIM_PORT, default 4010)
  --strava-port <port>   Strava simulator port (STRAVA_SIM_PORT, default 4020)
  --host <host>          interface to listen on (SIM_HOST, default 127.0.0.1)
  --time-scale <x>       provider time per real time: 1 = real quotas and latency, 0.05 = 20x faster
                         (SIM_TIME_SCALE, default 1)
  --any-client           accept any OAuth client id/secret (SIM_ACCEPT_ANY_CLIENT=true)
  --strava-limits <a,b,c,d>
                         Strava per-application limits: overall per 15 min and per day, reads per
                         15 min and per day (STRAVA_SIM_LIMITS, default 200,2000,100,1000)
  -h, --help             this text
`;

/**
 * `npm run simulators`: the Google Health API v4 and Strava API v3 simulators on their own
 * (ports 4010 and 4020 by default; GOOGLE_SIM_PORT, STRAVA_SIM_PORT, SIM_TIME_SCALE, SIM_HOST).
 */
function options() {
  try {
    return parseArgs({
      options: {
        'google-port': { type: 'string', default: process.env.GOOGLE_SIM_PORT ?? '4010' },
        'strava-port': { type: 'string', default: process.env.STRAVA_SIM_PORT ?? '4020' },
        host: { type: 'string', default: process.env.SIM_HOST ?? '127.0.0.1' },
        'time-scale': { type: 'string', default: process.env.SIM_TIME_SCALE ?? '1' },
        'any-client': { type: 'boolean', default: process.env.SIM_ACCEPT_ANY_CLIENT === 'true' },
        'strava-limits': { type: 'string', default: process.env.STRAVA_SIM_LIMITS ?? '200,2000,100,1000' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
}

const values = options();
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const googlePort = Number(values['google-port']);
const stravaPort = Number(values['strava-port']);
const timeScale = Number(values['time-scale']);
for (const [name, port] of [
  ['--google-port', googlePort],
  ['--strava-port', stravaPort],
] as const) {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(
      `${name} must be a port number (0-65535), not "${values[name.slice(2) as 'google-port']}"\n`,
    );
    process.exit(2);
  }
}
const limits = values['strava-limits'].split(',').map(Number);
if (limits.length !== 4 || !limits.every((n) => Number.isInteger(n) && n > 0)) {
  process.stderr.write(`--strava-limits must be four positive integers, not "${values['strava-limits']}"\n`);
  process.exit(2);
}
const stravaLimits = { overall: [limits[0], limits[1]], read: [limits[2], limits[3]] } as const;
if (!(timeScale > 0)) {
  process.stderr.write(`--time-scale must be a positive number, not "${values['time-scale']}"\n`);
  process.exit(2);
}

const sims = await startSimulators({
  googlePort,
  stravaPort,
  host: values.host,
  settings: { timeScale, acceptAnyClient: values['any-client'], stravaLimits },
}).catch((error: unknown) => {
  if (!isAddressInUse(error)) throw error;
  const google = error.port === googlePort;
  const busy = new PortInUseError(
    google ? googlePort : stravaPort,
    google ? 'GOOGLE_SIM_PORT (or --google-port)' : 'STRAVA_SIM_PORT (or --strava-port)',
    `${google ? 'Google Health' : 'Strava'} simulator; a running \`npm start\` has its own simulators there`,
  );
  process.stderr.write(`${busy.message}\n`);
  process.exit(1);
});
console.log(`Google Health API simulator: ${sims.google.url}  (control: ${sims.google.url}/_sim/)`);
console.log(`Strava API simulator:        ${sims.strava.url}  (control: ${sims.strava.url}/_sim/)`);
console.log('OAuth client: syncwell-local / syncwell-local-secret. Try:');
console.log(`  curl -s '${sims.google.url}/_sim/accounts/alice'    (created on first login_hint=alice)`);

const stop = async () => {
  await sims.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
