import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, verify } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ReceivedMessage {
  message: {
    token: string;
    notification: { title: string; body: string };
    data: Record<string, string>;
    android?: { collapse_key?: string };
    apns?: { headers?: Record<string, string> };
  };
}

type Behavior =
  | { kind: 'unregistered' }
  | { kind: 'slow'; ms: number }
  | { kind: 'busy'; times: number; retryAfter: number };

/**
 * A local stand-in for FCM HTTP v1 and Google's OAuth token endpoint: it checks the service
 * account's signed JWT assertion, the bearer token on each send, and the message payload, and
 * records every message it accepts. Device tokens can be scripted (unregistered, slow, busy).
 */
export class FakeFcm {
  readonly projectId = 'syncwell-test';
  readonly email = 'push@syncwell-test.iam.gserviceaccount.com';
  readonly received: ReceivedMessage[] = [];
  readonly rejected: Array<{ status: number; reason: string }> = [];
  private readonly issued = new Set<string>();
  private readonly behaviors = new Map<string, Behavior>();
  /** Held 'slow' replies: cleared on stop so no timer outlives the test. */
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  private server?: Server;
  url = '';

  behave(deviceToken: string, behavior: Behavior): void {
    this.behaviors.set(deviceToken, behavior);
  }

  messagesFor(orchestrationId: string): ReceivedMessage[] {
    return this.received.filter((m) => m.message.data.orchestrationId === orchestrationId);
  }

  /** A service-account key file whose token_uri points at this fake. */
  credentialsFile(): string {
    const file = join(mkdtempSync(join(tmpdir(), 'fcm-')), 'service-account.json');
    writeFileSync(
      file,
      JSON.stringify({
        type: 'service_account',
        project_id: this.projectId,
        client_email: this.email,
        private_key: this.keys.privateKey.export({ type: 'pkcs8', format: 'pem' }),
        token_uri: `${this.url}/token`,
      }),
    );
    return file;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString();
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'POST' && req.url === '/token') return this.token(new URLSearchParams(text), reply);
    const send = new RegExp(`^/v1/projects/${this.projectId}/messages:send$`);
    if (req.method !== 'POST' || !send.test(req.url ?? ''))
      return reply(404, { error: { code: 404, status: 'NOT_FOUND' } });
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer || !this.issued.has(bearer)) {
      this.rejected.push({ status: 401, reason: 'bad bearer token' });
      return reply(401, {
        error: {
          code: 401,
          status: 'UNAUTHENTICATED',
          message: 'Request had invalid authentication credentials.',
        },
      });
    }
    const body = JSON.parse(text) as ReceivedMessage;
    const m = body.message;
    const problem =
      typeof m?.token !== 'string'
        ? 'message.token'
        : typeof m.notification?.title !== 'string' || typeof m.notification?.body !== 'string'
          ? 'message.notification'
          : !m.data || Object.values(m.data).some((v) => typeof v !== 'string')
            ? 'message.data (values must be strings)'
            : undefined;
    if (problem) {
      this.rejected.push({ status: 400, reason: problem });
      return reply(400, { error: { code: 400, status: 'INVALID_ARGUMENT', message: `Invalid ${problem}` } });
    }
    const behavior = this.behaviors.get(m.token);
    if (behavior?.kind === 'unregistered') {
      return reply(404, {
        error: {
          code: 404,
          status: 'NOT_FOUND',
          message: 'Requested entity was not found.',
          details: [
            { '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: 'UNREGISTERED' },
          ],
        },
      });
    }
    if (behavior?.kind === 'busy' && behavior.times > 0) {
      behavior.times--;
      return reply(
        429,
        { error: { code: 429, status: 'RESOURCE_EXHAUSTED', details: [{ errorCode: 'QUOTA_EXCEEDED' }] } },
        { 'Retry-After': String(behavior.retryAfter) },
      );
    }
    this.received.push(body);
    if (behavior?.kind === 'slow')
      await new Promise<void>((r) => {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          r();
        }, behavior.ms);
        this.timers.add(timer);
      });
    reply(200, { name: `projects/${this.projectId}/messages/0:${this.received.length}` });
  }

  private token(form: URLSearchParams, reply: (status: number, body: unknown) => void): void {
    const [header, payload, signature] = (form.get('assertion') ?? '').split('.');
    const valid =
      form.get('grant_type') === 'urn:ietf:params:oauth:grant-type:jwt-bearer' &&
      signature !== undefined &&
      verify(
        'RSA-SHA256',
        Buffer.from(`${header}.${payload}`),
        this.keys.publicKey,
        Buffer.from(signature, 'base64url'),
      );
    const claims = valid
      ? (JSON.parse(Buffer.from(payload, 'base64url').toString()) as { iss?: string; scope?: string })
      : {};
    if (!valid || claims.iss !== this.email || !claims.scope?.includes('firebase.messaging')) {
      this.rejected.push({ status: 400, reason: 'bad assertion' });
      return reply(400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
    }
    const token = `fcm-access-${this.issued.size + 1}`;
    this.issued.add(token);
    reply(200, { access_token: token, expires_in: 3599, token_type: 'Bearer' });
  }
}
