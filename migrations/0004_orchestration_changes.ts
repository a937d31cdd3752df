import { sql, type Kysely } from 'kysely';

/**
 * Every change to an orchestration row notifies `orchestration_changed` with its id (delivered at
 * commit, once per row and transaction), so API replicas can keep the rows that clients poll in
 * memory and drop one the moment it changes, whichever process changed it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE FUNCTION notify_orchestration_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('orchestration_changed', OLD.id::text);
      RETURN NULL;
    END
    $$`.execute(db);
  await sql`
    CREATE TRIGGER orchestrations_notify_changed
    AFTER UPDATE OR DELETE ON orchestrations
    FOR EACH ROW EXECUTE FUNCTION notify_orchestration_changed()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TRIGGER IF EXISTS orchestrations_notify_changed ON orchestrations`.execute(db);
  await sql`DROP FUNCTION IF EXISTS notify_orchestration_changed()`.execute(db);
}
