import type { Migration } from 'kysely/migration';
import * as m0001 from './0001_core.js';
import * as m0002 from './0002_notifications_analytics.js';
import * as m0003 from './0003_connectors.js';
import * as m0004 from './0004_orchestration_changes.js';
import * as m0005 from './0005_resilience.js';
import * as m0006 from './0006_security.js';
import * as m0007 from './0007_sync_records.js';
import * as m0008 from './0008_fair_share.js';
import * as m0009 from './0009_fault_isolation.js';
import * as m0010 from './0010_destination_snapshots.js';
import * as m0011 from './0011_archives.js';

/**
 * Every migration, in order. Files stay plain Kysely migrations against `Kysely<any>`; listing them
 * here (rather than scanning the folder at run time) lets the same list run from `dist/`, from the
 * TypeScript sources and inside Jest. A test checks that every file in this folder is listed.
 */
export const migrations: Record<string, Migration> = {
  '0001_core': m0001,
  '0002_notifications_analytics': m0002,
  '0003_connectors': m0003,
  '0004_orchestration_changes': m0004,
  '0005_resilience': m0005,
  '0006_security': m0006,
  '0007_sync_records': m0007,
  '0008_fair_share': m0008,
  '0009_fault_isolation': m0009,
  '0010_destination_snapshots': m0010,
  '0011_archives': m0011,
};
