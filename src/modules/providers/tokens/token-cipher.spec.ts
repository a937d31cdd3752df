import { randomBytes } from 'node:crypto';
import { TokenCipher } from './token-cipher.js';

describe('TokenCipher', () => {
  const cipher = new TokenCipher(randomBytes(32));

  it('round-trips, with a fresh IV each time, and never stores the plain token', () => {
    const a = cipher.seal('ya29.secret-access-token');
    const b = cipher.seal('ya29.secret-access-token');
    expect(cipher.open(a)).toBe('ya29.secret-access-token');
    expect(a.equals(b)).toBe(false);
    expect(a.toString('latin1')).not.toContain('secret-access-token');
  });

  it('refuses a tampered value or another key', () => {
    const sealed = cipher.seal('token');
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1] ^= 1;
    expect(() => cipher.open(tampered)).toThrow();
    expect(() => new TokenCipher(randomBytes(32)).open(sealed)).toThrow();
    expect(() => new TokenCipher(randomBytes(16))).toThrow(/32 bytes/);
  });
});
