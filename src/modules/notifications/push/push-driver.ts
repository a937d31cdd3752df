import type { DevicePlatform } from '../../../database/schema.js';

export interface PushMessage {
  token: string;
  platform: DevicePlatform;
  title: string;
  body: string;
  data: Record<string, string>;
  /** Messages with the same key replace each other on the device (a rare duplicate does not stack). */
  collapseKey: string;
}

export type PushResult =
  | { outcome: 'sent'; messageId: string }
  | { outcome: 'invalid_token'; error: string }
  | { outcome: 'retry'; error: string; retryAfterMs?: number }
  | { outcome: 'failed'; error: string };

/** Sends one push message to one device. */
export interface PushDriver {
  readonly name: string;
  send(message: PushMessage): Promise<PushResult>;
}

export const PUSH_DRIVER = Symbol('PUSH_DRIVER');
