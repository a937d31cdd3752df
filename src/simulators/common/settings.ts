/** Knobs shared by both simulators, changeable at run time through `PUT /_sim/config`. */
export interface SimSettings {
  /** Shrinks every quota window and token lifetime (0.01 = a 15-minute window lasts 9 s). */
  timeScale: number;
  /** Overrides the access-token lifetime, in real seconds (to test refresh). */
  accessTokenLifetimeSeconds?: number;
  /** Latency added to every API request, in ms. */
  baseLatencyMs: number;
  /**
   * How long an upload stays "being processed" (Strava), in real ms; unset: 1.5 s of simulated
   * time (x timeScale). See `uploadProcessingMs(settings)`.
   */
  uploadProcessingMs?: number;
  /** Register unknown client ids on first use (the local default) or reject them as Google/Strava do. */
  acceptAnyClient: boolean;
  /** Strava's per-application limits, [15 min, day] (default 200/2,000 overall, 100/1,000 reads). */
  stravaLimits?: { overall: readonly [number, number]; read: readonly [number, number] };
}

export const defaultSettings = (overrides: Partial<SimSettings> = {}): SimSettings => ({
  timeScale: 1,
  baseLatencyMs: 0,
  acceptAnyClient: false,
  ...overrides,
});

/** A window of `seconds` simulated seconds, in real milliseconds. */
export const scaledMs = (settings: SimSettings, seconds: number): number =>
  Math.max(1, Math.round(seconds * 1000 * settings.timeScale));

/** How long an upload is processed, in real ms (Strava's mean is under 2 s; 1.5 s simulated by default). */
export const uploadProcessingMs = (settings: SimSettings): number =>
  settings.uploadProcessingMs ?? scaledMs(settings, 1.5);

/**
 * Fixed windows aligned to the epoch (so, unscaled, to :00/:15/:30/:45 and midnight UTC). Returns the
 * window's index and when it ends.
 */
export function windowOf(now: number, lengthMs: number): { index: number; endsAt: number } {
  const index = Math.floor(now / lengthMs);
  return { index, endsAt: (index + 1) * lengthMs };
}
