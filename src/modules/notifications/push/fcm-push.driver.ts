import { readFileSync } from 'node:fs';
import { Injectable } from '@nestjs/common';
import { JWT } from 'google-auth-library';
import { AppConfig } from '../../../config/app-config.js';
import type { PushDriver, PushMessage, PushResult } from './push-driver.js';

const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
const SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';

interface ServiceAccount {
  client_email: string;
  private_key: string;
  project_id?: string;
  token_uri?: string;
}

/**
 * FCM HTTP v1 (`projects/{id}/messages:send`) for Android and, through FCM, iOS and web. OAuth with
 * the service account through google-auth-library; the key file's `token_uri` is honoured (so a
 * local fake can stand in for Google in tests). UNREGISTERED and INVALID_ARGUMENT mean the token is
 * dead; 429 and 5xx are retried (with Retry-After); a collapse key per sync keeps duplicates from stacking.
 */
@Injectable()
export class FcmPushDriver implements PushDriver {
  readonly name = 'fcm';
  private readonly client: JWT;
  private readonly endpoint: string;

  constructor(config: AppConfig) {
    const account = JSON.parse(readFileSync(config.push.fcmCredentialsFile!, 'utf8')) as ServiceAccount;
    this.client = new JWT({ email: account.client_email, key: account.private_key, scopes: [SCOPE] });
    const tokenUrl = account.token_uri;
    if (tokenUrl && tokenUrl !== GOOGLE_TOKEN_URL) {
      this.client.transporter.interceptors.request.add({
        resolved: async (options) => {
          if (String(options.url) === GOOGLE_TOKEN_URL) options.url = new URL(tokenUrl);
          return options;
        },
      });
    }
    this.endpoint = `${config.push.fcmBaseUrl.replace(/\/$/, '')}/v1/projects/${config.push.fcmProjectId}/messages:send`;
  }

  async send(message: PushMessage): Promise<PushResult> {
    let token: string | null | undefined;
    try {
      token = (await this.client.getAccessToken()).token;
    } catch (error) {
      return { outcome: 'retry', error: `FCM OAuth failed: ${(error as Error).message}` };
    }
    let res: Response;
    try {
      res = await fetch(this.endpoint, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ message: this.payload(message) }),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (error) {
      return { outcome: 'retry', error: `FCM unreachable: ${(error as Error).message}` };
    }
    const body = (await res.json().catch(() => ({}))) as {
      name?: string;
      error?: { status?: string; message?: string; details?: Array<{ errorCode?: string }> };
    };
    if (res.ok && body.name) return { outcome: 'sent', messageId: body.name };
    const code =
      body.error?.details?.find((d) => d.errorCode)?.errorCode ?? body.error?.status ?? `HTTP ${res.status}`;
    const error = `${code}: ${body.error?.message ?? ''}`.trim();
    if (code === 'UNREGISTERED' || code === 'INVALID_ARGUMENT' || res.status === 404)
      return { outcome: 'invalid_token', error };
    if (res.status === 401) {
      this.client.credentials = {}; // the token was refused: fetch a new one next time
      return { outcome: 'retry', error };
    }
    if (res.status === 429 || res.status >= 500) {
      const retryAfter = Number(res.headers.get('retry-after'));
      return { outcome: 'retry', error, ...(retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}) };
    }
    return { outcome: 'failed', error };
  }

  private payload(m: PushMessage) {
    return {
      token: m.token,
      notification: { title: m.title, body: m.body },
      data: m.data,
      android: { collapse_key: m.collapseKey, priority: 'high' },
      apns: {
        headers: { 'apns-collapse-id': m.collapseKey, 'apns-priority': '10' },
        payload: { aps: { sound: 'default' } },
      },
      webpush: { headers: { Topic: m.collapseKey.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 32) } },
    };
  }
}
