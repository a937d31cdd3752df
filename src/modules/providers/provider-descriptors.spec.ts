import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ACTIVITY_KINDS, type ActivityKind } from './canonical/canonical-session.js';
import {
  EXAMPLE_PROVIDERS,
  PROVIDER_DESCRIPTORS,
  PROVIDER_IDS,
  descriptorOf,
  pacingWindowMs,
} from './provider-descriptors.js';

const KINDS: readonly ActivityKind[] = ACTIVITY_KINDS;
const ENV_EXAMPLE = readFileSync(resolve(import.meta.dirname, '../../../.env.example'), 'utf8');
const documented = (key: string) => new RegExp(`^#? ?${key}=`, 'm').test(ENV_EXAMPLE);

describe('the provider registry: every registered descriptor is complete', () => {
  it('has unique lower-case ids, and the examples are registered', () => {
    expect(new Set(PROVIDER_IDS).size).toBe(PROVIDER_DESCRIPTORS.length);
    for (const id of PROVIDER_IDS) expect(id).toMatch(/^[a-z][a-z0-9-]*$/);
    expect(PROVIDER_IDS).toContain(EXAMPLE_PROVIDERS.source);
    expect(PROVIDER_IDS).toContain(EXAMPLE_PROVIDERS.destination);
    expect(() => descriptorOf('nope' as never)).toThrow('no provider descriptor for "nope"');
  });

  describe.each(PROVIDER_DESCRIPTORS.map((d) => [d.id, d] as const))('%s', (id, d) => {
    it('names itself and its roles', () => {
      expect(d.displayName.trim()).not.toBe('');
      expect(d.roles.source || d.roles.destination).toBe(true);
    });

    it('says how it authorizes', () => {
      if (d.auth.kind === 'oauth2') {
        expect(d.auth.scopes.length).toBeGreaterThan(0);
        for (const scope of d.auth.scopes) expect(scope.trim()).not.toBe('');
      } else expect(d.auth.kind).toBe('none');
    });

    it('has a cost model of its own, with budgets', () => {
      expect(d.costModel.provider).toBe(id);
      expect(d.costModel.buckets.length).toBeGreaterThan(0);
      for (const b of d.costModel.buckets) {
        expect(b.limit).toBeGreaterThan(0);
        expect(b.windowSeconds).toBeGreaterThan(0);
      }
    });

    it('links a record to an https page carrying its id, if it is a destination', () => {
      if (!d.roles.destination) return expect(d.recordUrl).toBeUndefined();
      const url = new URL(d.recordUrl!('a/b 1'));
      expect(url.protocol).toBe('https:');
      expect(url.href).toContain(encodeURIComponent('a/b 1'));
    });

    it('maps every canonical kind to its vocabulary and back to a kind; unknown types are OTHER', () => {
      for (const kind of KINDS) {
        const type = d.activityKinds.fromKind(kind);
        expect(typeof type).toBe('string');
        expect(KINDS).toContain(d.activityKinds.toKind(type));
      }
      expect(d.activityKinds.toKind('no-such-type')).toBe('OTHER');
      expect(d.activityKinds.toKind(undefined)).toBe('OTHER');
      // the kinds its vocabulary tells apart come back as themselves
      for (const kind of ['RUN', 'RIDE', 'WALK', 'SWIM'] as const)
        expect(d.activityKinds.toKind(d.activityKinds.fromKind(kind))).toBe(kind);
    });

    it('names a connector class implementing the connector interface', () => {
      expect(typeof d.connector).toBe('function');
      for (const method of [
        'authorizeUrl',
        'exchangeCode',
        'firstDataDate',
        'readPage',
        'write',
        'listActivities',
      ])
        expect(typeof (d.connector.prototype as Record<string, unknown>)[method]).toBe('function');
    });

    it('documents its configuration keys (and its simulator port) in .env.example', () => {
      expect(d.configKeys.length).toBeGreaterThan(0);
      const keys = [...d.configKeys, ...(d.simulator ? [d.simulator.portKey] : [])];
      expect(keys.filter((key) => !documented(key))).toEqual([]);
    });
  });

  it('paces the queue by the scarcest per-application budget (Strava: 15 minutes)', () => {
    expect(pacingWindowMs()).toBe(900_000);
  });
});
