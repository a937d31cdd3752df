import { once } from 'node:events';
import { freePort, holdPort, kill, spawnTs, waitForOutput } from '../support/process.js';

const exitOf = async (child: ReturnType<typeof spawnTs>) =>
  child.exitCode ?? ((await once(child, 'exit'))[0] as number | null);

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

  it('--help prints the usage and exits 0', async () => {
    const child = spawnTs('src/simulators/main.ts', {}, { args: ['--help'] });
    expect(await exitOf(child)).toBe(0);
    expect(child.output()).toContain('Usage: npm run simulators -- [options]');
    expect(child.output()).toContain('--time-scale');
  });

  it('an unknown option prints what is wrong and the usage, without a stack trace', async () => {
    const child = spawnTs('src/simulators/main.ts', {}, { args: ['--bogus'] });
    expect(await exitOf(child)).toBe(2);
    expect(child.output()).toContain("Unknown option '--bogus'");
    expect(child.output()).not.toMatch(/\n\s+at /);
  });

  it('a busy port stops it with one line naming the port and the variable to change', async () => {
    const held = await holdPort();
    try {
      const child = spawnTs('src/simulators/main.ts', {
        GOOGLE_SIM_PORT: String(held.port),
        STRAVA_SIM_PORT: String(await freePort()),
      });
      expect(await exitOf(child)).toBe(1);
      const lines = child.output().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`Port ${held.port}`);
      expect(lines[0]).toContain('GOOGLE_SIM_PORT');
    } finally {
      await held.close();
    }
  });
});
