import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'syncwell:public';

/** Opens a route to callers without a token (health, docs, metrics). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);
