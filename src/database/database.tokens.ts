import { Inject } from '@nestjs/common';

/** Injection token of the service's `Kysely<DB>`. */
export const KYSELY = Symbol('KYSELY');

/**
 * Injects the service's `Kysely<DB>`; repositories ask for it (their pool default), services only to
 * begin transactions, which they pass down as described in `transaction.ts`.
 */
export const InjectDb = (): ParameterDecorator => Inject(KYSELY);
