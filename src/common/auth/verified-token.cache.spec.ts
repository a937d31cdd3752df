import { VerifiedTokenCache } from './verified-token.cache.js';

const jwt = (payload: object) =>
  `eyJhbGciOiJIUzI1NiJ9.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.c2ln`;
const alice = { userId: 'alice', roles: [] };

describe('VerifiedTokenCache', () => {
  let clock = 1_000_000_000_000;
  const now = () => clock;

  it('answers a kept token until its exp second, then forgets it', () => {
    const cache = new VerifiedTokenCache(10, now);
    const token = jwt({ sub: 'alice', exp: clock / 1000 + 60 });
    cache.set(token, alice);
    expect(cache.get(token)).toEqual(alice);
    clock += 59_999;
    expect(cache.get(token)).toEqual(alice);
    clock += 1;
    expect(cache.get(token)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('does not keep an already expired token, an unreadable one, or one with a non-numeric exp', () => {
    const cache = new VerifiedTokenCache(10, now);
    cache.set(jwt({ sub: 'a', exp: clock / 1000 - 1 }), alice);
    cache.set('not-a-jwt', alice);
    cache.set(jwt({ sub: 'a', exp: 'tomorrow' }), alice);
    expect(cache.size).toBe(0);
  });

  it('never keeps a token without exp, and misses on any other string', () => {
    const cache = new VerifiedTokenCache(10, now);
    cache.set(jwt({ sub: 'alice' }), alice);
    expect(cache.size).toBe(0);
    const token = jwt({ sub: 'alice', exp: clock / 1000 + 60 });
    cache.set(token, alice);
    expect(cache.get(token)).toEqual(alice);
    expect(cache.get(`${token}x`)).toBeUndefined();
  });

  it('drops the oldest entry beyond its bound; a bound of 0 keeps nothing', () => {
    const cache = new VerifiedTokenCache(2, now);
    const [a, b, c] = ['a', 'b', 'c'].map((sub) => jwt({ sub, exp: clock / 1000 + 60 }));
    cache.set(a, alice);
    cache.set(b, alice);
    cache.set(c, alice);
    expect([cache.get(a), cache.get(b), cache.get(c)]).toEqual([undefined, alice, alice]);
    const off = new VerifiedTokenCache(0, now);
    off.set(a, alice);
    expect(off.get(a)).toBeUndefined();
  });
});
