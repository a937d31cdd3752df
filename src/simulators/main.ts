import { parseArgs } from 'node:util';
import { startSimulators } from './simulators.js';

/**
 * `npm run simulators`: the Google Health API v4 and Strava API v3 simulators on their own
 * (ports 4010 and 4020 by default; GOOGLE_SIM_PORT, STRAVA_SIM_PORT, SIM_TIME_SCALE, SIM_HOST).
 */
const { values } = parseArgs({
  options: {
    'google-port': { type: 'string', default: process.env.GOOGLE_SIM_PORT ?? '4010' },
    'strava-port': { type: 'string', default: process.env.STRAVA_SIM_PORT ?? '4020' },
    host: { type: 'string', default: process.env.SIM_HOST ?? '127.0.0.1' },
    'time-scale': { type: 'string', default: process.env.SIM_TIME_SCALE ?? '1' },
    'any-client': { type: 'boolean', default: process.env.SIM_ACCEPT_ANY_CLIENT === 'true' },
  },
});

const sims = await startSimulators({
  googlePort: Number(values['google-port']),
  stravaPort: Number(values['strava-port']),
  host: values.host,
  settings: { timeScale: Number(values['time-scale']), acceptAnyClient: values['any-client'] },
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
