import { Inject } from '@nestjs/common';

/** Injection token of the service's `Kysely<DB>`. */
export const KYSELY = Symbol('KYSELY');

/** Injects the service's `Kysely<DB>`; only repositories should ask for it. */
export const InjectDb = (): ParameterDecorator => Inject(KYSELY);
