import { Injectable } from '@nestjs/common';
import pg from 'pg';
import { AppConfig } from '../../config/app-config.js';

export const ORCHESTRATION_CHANGED = 'orchestration_changed';

export interface ChangeSubscription {
  close(): Promise<void>;
}

/**
 * LISTEN on `orchestration_changed` (see migration 0004) over a dedicated connection, which a pool
 * cannot lend. `onChange` gets the id of every orchestration row changed by any process once its
 * transaction commits; `onLost` is called once if the connection breaks (notifications may then
 * have been missed).
 */
@Injectable()
export class OrchestrationChangesRepository {
  constructor(private readonly config: AppConfig) {}

  async listen(handlers: {
    onChange: (orchestrationId: string) => void;
    onLost: (error: Error) => void;
  }): Promise<ChangeSubscription> {
    const client = new pg.Client({
      connectionString: this.config.database.url,
      application_name: `syncwell-${this.config.role.name}-changes`,
      connectionTimeoutMillis: 10_000,
      keepAlive: true,
    });
    let closing = false;
    let lost = false;
    const lose = (error: Error) => {
      if (closing || lost) return;
      lost = true;
      handlers.onLost(error);
      client.end().catch(() => undefined);
    };
    client.on('error', lose);
    client.on('end', () => lose(new Error('the change listener connection ended')));
    client.on('notification', (message) => {
      if (message.channel === ORCHESTRATION_CHANGED && message.payload) handlers.onChange(message.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${ORCHESTRATION_CHANGED}`);
    } catch (error) {
      closing = true;
      await client.end().catch(() => undefined);
      throw error;
    }
    return {
      close: async () => {
        closing = true;
        await client.end().catch(() => undefined);
      },
    };
  }
}
