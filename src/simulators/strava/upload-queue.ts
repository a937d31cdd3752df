import { uploadProcessingMs, type SimSettings } from '../common/settings.js';
import type { ParsedActivity } from './upload-parser.js';

export interface UploadRequest {
  externalId: string;
  name?: string;
  description?: string;
  trainer: boolean;
  commute: boolean;
  fileName: string;
  parsed?: ParsedActivity;
  error?: string;
}

export interface UploadRecord extends UploadRequest {
  id: number;
  athleteId: number;
  readyAt: number;
  activityId: number | null;
  outcome?: { activityId?: number; error?: string };
}

type Finish = (
  athleteId: number,
  parsed: ParsedActivity,
  upload: UploadRecord,
) => { activityId?: number; error?: string };

/**
 * Uploads are processed asynchronously: "still being processed" until `uploadProcessingMs` has
 * passed, then either an activity or an error (bad file, duplicate). Processing happens in upload
 * order, so two uploads of the same file make one activity and one duplicate.
 */
export class UploadQueue {
  private readonly uploads = new Map<number, UploadRecord>();
  private nextId = 16_000_000_000;

  constructor(
    private readonly settings: SimSettings,
    private readonly finish: Finish,
  ) {}

  create(athleteId: number, request: UploadRequest): UploadRecord {
    const upload: UploadRecord = {
      ...request,
      id: this.nextId++,
      athleteId,
      readyAt: Date.now() + uploadProcessingMs(this.settings),
      activityId: null,
    };
    this.uploads.set(upload.id, upload);
    setTimeout(() => this.settle(upload), uploadProcessingMs(this.settings)).unref();
    return upload;
  }

  get(id: number): UploadRecord | undefined {
    const upload = this.uploads.get(id);
    if (upload && upload.readyAt <= Date.now()) this.settle(upload);
    return upload;
  }

  forAthlete(athleteId: number) {
    return [...this.uploads.values()].filter((u) => u.athleteId === athleteId).map((u) => this.json(u));
  }

  json(u: UploadRecord) {
    const error = u.outcome?.error ?? null;
    return {
      id: u.id,
      id_str: String(u.id),
      external_id: u.externalId,
      error,
      status: !u.outcome
        ? 'Your activity is still being processed.'
        : error
          ? 'There was an error processing your activity.'
          : 'Your activity is ready.',
      activity_id: u.outcome?.activityId ?? null,
    };
  }

  private settle(upload: UploadRecord): void {
    if (upload.outcome) return;
    // settle earlier uploads first, so order decides which of two copies is the duplicate
    for (const other of this.uploads.values()) {
      if (other.id >= upload.id) break;
      if (!other.outcome && other.readyAt <= Date.now()) this.settle(other);
    }
    upload.outcome = upload.parsed
      ? this.finish(upload.athleteId, upload.parsed, upload)
      : { error: upload.error ?? 'Improperly formatted data.' };
    upload.activityId = upload.outcome.activityId ?? null;
  }
}
