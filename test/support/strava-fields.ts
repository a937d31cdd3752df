/**
 * The fields the product relies on in Strava API v3 responses (PROVIDERS.md and Strava's reference),
 * with their JSON types. `?` marks fields that may be null.
 */
export const STRAVA_FIELDS = {
  token: {
    token_type: 'string',
    access_token: 'string',
    refresh_token: 'string',
    expires_at: 'number',
    expires_in: 'number',
  },
  athlete: {
    id: 'number',
    username: 'string',
    firstname: 'string',
    lastname: 'string',
    resource_state: 'number',
  },
  summaryActivity: {
    id: 'number',
    external_id: 'string?',
    upload_id: 'number?',
    athlete: 'object',
    name: 'string',
    sport_type: 'string',
    type: 'string',
    start_date: 'string',
    start_date_local: 'string',
    timezone: 'string',
    utc_offset: 'number',
    elapsed_time: 'number',
    moving_time: 'number',
    distance: 'number',
    total_elevation_gain: 'number',
    average_speed: 'number',
    max_speed: 'number',
    has_heartrate: 'boolean',
    trainer: 'boolean',
    commute: 'boolean',
    manual: 'boolean',
    private: 'boolean',
    start_latlng: 'array',
    end_latlng: 'array',
    map: 'object',
  },
  detailedActivity: { description: 'string?', calories: 'number', device_name: 'string?' },
  upload: {
    id: 'number',
    id_str: 'string',
    external_id: 'string?',
    status: 'string',
    error: 'string?',
    activity_id: 'number?',
  },
  stream: { data: 'array', series_type: 'string', original_size: 'number', resolution: 'string' },
  error: { message: 'string', errors: 'array' },
} as const;

/** Checks `value` has every listed field with its type; returns the mismatches. */
export function checkFields(kind: keyof typeof STRAVA_FIELDS, value: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [field, spec] of Object.entries(STRAVA_FIELDS[kind])) {
    const nullable = spec.endsWith('?');
    const type = spec.replace('?', '');
    const actual = value[field];
    if (actual === undefined) problems.push(`${kind}.${field}: missing`);
    else if (actual === null) {
      if (!nullable) problems.push(`${kind}.${field}: null`);
    } else if (type === 'array' ? !Array.isArray(actual) : typeof actual !== type) {
      problems.push(`${kind}.${field}: expected ${type}, got ${typeof actual}`);
    }
  }
  return problems;
}
