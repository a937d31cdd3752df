import { ACTIVITY_KINDS, type ActivityKind } from '../canonical/canonical-session.js';
import type { ProviderDescriptor } from '../provider-descriptor.js';
import { ArchiveConnector } from './archive.connector.js';
import { archiveCostModel } from './archive.cost-model.js';

// the database's vocabulary of providers (schema.ts `ProviderName`) gains this id
declare module '../../../database/schema.js' {
  interface RegisteredProviders {
    archive: true;
  }
}

const KINDS = new Set<string>(ACTIVITY_KINDS);

/**
 * An export archive the user uploaded (Garmin, Suunto, Polar, COROS, Wahoo activity files, a Strava
 * bulk export, Apple Health's export.zip): a source only, with no authorization (the archive is the
 * caller's own upload, `source: { provider: "archive", archiveId }`). The scan reads its files into
 * canonical sessions, so its vocabulary is the canonical kinds themselves.
 */
export const archiveDescriptor: ProviderDescriptor<'archive'> = {
  id: 'archive',
  displayName: 'your export archive',
  roles: { source: true, destination: false },
  auth: { kind: 'none' },
  costModel: archiveCostModel,
  activityKinds: {
    toKind: (type) => (type && KINDS.has(type) ? (type as ActivityKind) : 'OTHER'),
    fromKind: (kind) => kind,
  },
  connector: ArchiveConnector,
  configKeys: [
    'ARCHIVE_MAX_BYTES',
    'ARCHIVE_RETENTION_DAYS',
    'ARCHIVE_STORAGE',
    'ARCHIVE_S3_BUCKET',
    'ARCHIVE_S3_REGION',
    'ARCHIVE_S3_ENDPOINT',
  ],
};
