import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import * as tus from 'tus-js-client';
import { eventually, type TestApp } from './app.js';
import { consent, createSimAccount, type ProviderStack } from './providers.js';

/** The test app's HTTP server listening on a port (tus-js-client needs a URL), and that URL. */
export async function listening(t: TestApp): Promise<string> {
  const server = t.http as Server;
  if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export interface UploadOptions {
  filename?: string;
  chunkSize?: number;
  /** Abort the upload once this many bytes are stored, then resume it from the server's offset (HEAD). */
  interruptAt?: number;
}

/**
 * Uploads `bytes` as the official tus client does (tus-js-client, Node build), optionally cut off
 * part way and resumed from the offset the server reports: the archive's id.
 */
export async function tusUpload(
  t: TestApp,
  user: string,
  bytes: Buffer,
  options: UploadOptions = {},
): Promise<{ id: string; resumedFrom?: number }> {
  const base = await listening(t);
  const common = {
    endpoint: `${base}/v1/archives/uploads`,
    headers: { Authorization: `Bearer ${t.token(user)}` },
    metadata: { filename: options.filename ?? 'export.zip' },
    chunkSize: options.chunkSize ?? 64 * 1024,
    retryDelays: [] as number[],
    storeFingerprintForResuming: false,
  };
  let url: string | null = null;
  if (options.interruptAt !== undefined) {
    const cut = options.interruptAt;
    url = await new Promise<string>((resolve, reject) => {
      const upload: tus.Upload = new tus.Upload(bytes, {
        ...common,
        onChunkComplete: (_size, accepted) => {
          if (accepted >= cut) void upload.abort().then(() => resolve(upload.url!));
        },
        onSuccess: () => reject(new Error('the upload finished before it could be interrupted')),
        onError: reject,
      });
      upload.start();
    });
  }
  let resumedFrom: number | undefined;
  const location = await new Promise<string>((resolve, reject) => {
    const upload: tus.Upload = new tus.Upload(bytes, {
      ...common,
      ...(url ? { uploadUrl: url } : {}),
      onProgress: (sent) => {
        if (url && resumedFrom === undefined) resumedFrom = sent;
      },
      onSuccess: () => resolve(upload.url!),
      onError: reject,
    });
    upload.start();
  });
  return { id: location.split('/').pop()!, resumedFrom };
}

/** Polls the archive until its scan ended (READY or FAILED): the resource then. */
export function scanned(t: TestApp, user: string, id: string): Promise<Record<string, any>> {
  return eventually(
    async () => {
      const res = await request(t.http)
        .get(`/v1/archives/${id}`)
        .set('Authorization', `Bearer ${t.token(user)}`)
        .expect(200);
      return ['READY', 'FAILED'].includes(res.body.status) ? res.body : undefined;
    },
    60_000,
    `archive ${id} to be scanned`,
  );
}

/**
 * A connection from the archive to a new, empty Strava account `<user>-strava` (its consent walked
 * as the app does): the answer of `POST /v1/connections`.
 */
export async function connectArchive(stack: ProviderStack, user: string, archiveId: string) {
  await createSimAccount(stack.sims, 'strava', { id: `${user}-strava`, seed: user, historyDays: 0 });
  return request(stack.t.http)
    .post('/v1/connections')
    .set('Authorization', `Bearer ${stack.t.token(user)}`)
    .send({
      source: { provider: 'archive', archiveId },
      destination: await consent(stack.t, user, 'strava', `${user}-strava`),
      timezone: 'Europe/Berlin',
    });
}
