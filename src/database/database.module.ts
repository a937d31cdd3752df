import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { AppConfig } from '../config/app-config.js';
import { createKysely } from './kysely.factory.js';
import { KYSELY } from './database.tokens.js';
import type { DB } from './schema.js';

/** The service's Kysely instance. Closed last on shutdown, after pg-boss has stopped. */
@Global()
@Module({
  providers: [
    {
      provide: KYSELY,
      inject: [AppConfig],
      useFactory: (config: AppConfig) =>
        createKysely(config.database.url!, config.database.poolMax, `syncwell-${config.role.name}`),
    },
  ],
  exports: [KYSELY],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(KYSELY) private readonly db: Kysely<DB>) {}

  async onApplicationShutdown(): Promise<void> {
    await this.db.destroy();
  }
}
