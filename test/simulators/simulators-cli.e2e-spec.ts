import { freePort, kill, spawnTs, waitForOutput } from '../support/process.js';

describe('npm run simulators', () => {
  it('starts both simulators; /_sim/ shows an account’s contents and the request counts', async () => {
    const [googlePort, stravaPort] = [await freePort(), await freePort()];
    const child = spawnTs('src/simulators/main.ts', {
      GOOGLE_SIM_PORT: String(googlePort),
      STRAVA_SIM_PORT: String(stravaPort),
    });
    try {
      await waitForOutput(child, 'Strava API simulator');
      for (const port of [googlePort, stravaPort]) {
        const health = await fetch(`http://127.0.0.1:${port}/_sim/health`);
        expect(health.status).toBe(200);
      }
      const auth = await fetch(
        `http://127.0.0.1:${googlePort}/o/oauth2/v2/auth?client_id=syncwell-local&response_type=code&redirect_uri=http://localhost/cb&login_hint=alice&scope=https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly`,
        { redirect: 'manual' },
      );
      expect(auth.status).toBe(302);
      const contents = await (await fetch(`http://127.0.0.1:${googlePort}/_sim/accounts/alice`)).json();
      expect(contents).toMatchObject({ id: 'alice', provider: 'google' });
      expect(contents.dataPoints.length).toBeGreaterThan(300);
      const counts = await (await fetch(`http://127.0.0.1:${googlePort}/_sim/requests`)).json();
      expect(counts).toEqual({ 'oauth.authorize': { '302': 1 } });
      const strava = await (await fetch(`http://127.0.0.1:${stravaPort}/_sim/accounts`)).json();
      expect(strava).toEqual({ accounts: [] });
    } finally {
      await kill(child, 'SIGTERM');
    }
  });
});
