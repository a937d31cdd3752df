/** int64 fields of the simulated payloads: JSON strings whose default is "0". */
const INT64_FIELDS = new Set([
  'averageHeartRateBeatsPerMinute',
  'steps',
  'activeZoneMinutes',
  'poolLengthMillimeters',
]);

const isDefault = (key: string, value: unknown): boolean =>
  value === false ||
  value === 0 ||
  value === '' ||
  (typeof value === 'string' && value.endsWith('_UNSPECIFIED')) ||
  (Array.isArray(value) && value.length === 0) ||
  (INT64_FIELDS.has(key) && value === '0');

/**
 * A message as proto3 JSON prints it: scalar fields at their default value (false, 0, "", int64
 * "0", an enum's *_UNSPECIFIED, an empty repeated field) are left out. Message fields stay, even
 * empty (`{}`); durations and timestamps are messages, so "0s" stays.
 */
export function omitDefaults<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item) => omitDefaults(item as unknown)) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (child === undefined || isDefault(key, child)) continue;
    out[key] = omitDefaults(child);
  }
  return out as T;
}
