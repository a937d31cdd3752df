import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestLogLevel } from './logging.module.js';

const level = (method: string, url: string, statusCode: number, error?: Error) =>
  requestLogLevel({ method, url } as IncomingMessage, { statusCode } as ServerResponse, error);

describe('requestLogLevel', () => {
  it('logs answered status polls at debug, other requests at info', () => {
    expect(level('GET', '/v1/orchestrations/0b9f/status', 200)).toBe('debug');
    expect(level('GET', '/v1/orchestrations/0b9f/status', 304)).toBe('debug');
    expect(level('GET', '/v1/orchestrations/0b9f', 200)).toBe('info');
    expect(level('POST', '/v1/orchestrations/0b9f/pause', 200)).toBe('info');
  });

  it('never hides failures, polls included', () => {
    expect(level('GET', '/v1/orchestrations/0b9f/status', 404)).toBe('warn');
    expect(level('GET', '/v1/orchestrations/0b9f/status', 503)).toBe('error');
    expect(level('GET', '/v1/orchestrations/0b9f/status', 200, new Error('x'))).toBe('error');
  });
});
