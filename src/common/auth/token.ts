import jwt from 'jsonwebtoken';

/** Signs an HS256 access token as the service expects it. For local use, tests and the demo. */
export function signToken(
  secret: string,
  claims: { sub: string; roles?: string[] },
  expiresInSeconds = 24 * 3600,
): string {
  return jwt.sign({ roles: claims.roles ?? [] }, secret, {
    algorithm: 'HS256',
    subject: claims.sub,
    expiresIn: expiresInSeconds,
  });
}
