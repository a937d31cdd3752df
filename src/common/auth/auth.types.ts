/** The caller, as the verified token describes it. The tier is never read from the token. */
export interface AuthUser {
  userId: string;
  roles: string[];
}

export interface TokenClaims {
  sub: string;
  roles?: string[];
  exp?: number;
  iat?: number;
  nbf?: number;
}
