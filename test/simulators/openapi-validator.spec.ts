import { OpenApiValidator } from '../support/openapi-validator.js';

describe('OpenApiValidator (Strava reference)', () => {
  const strava = OpenApiValidator.strava();

  it('accepts declared fields, and undeclared ones only where the reference examples show them', () => {
    const ok = {
      id: 1,
      resource_state: 2,
      name: 'Run',
      sport_type: 'Run',
      upload_id: null,
      external_id: null,
    };
    expect(strava.validateResponse('getActivityById', 200, ok)).toEqual([]);
    expect(strava.validateResponse('getActivityById', 200, { ...ok, made_up: 1 })).toEqual([
      'getActivityById.made_up: not in the schema or its examples',
    ]);
  });

  it('reports wrong types, enums, formats, nulls and array bounds', () => {
    expect(
      strava.validateResponse('getActivityById', 200, {
        id: 1.5,
        sport_type: 'Jogging',
        start_date: 'yesterday',
        name: null,
        start_latlng: [1, 2, 3],
      }),
    ).toEqual([
      'getActivityById.id: expected an integer',
      'getActivityById.name: null',
      'getActivityById.sport_type: Jogging is not in the enum',
      'getActivityById.start_date: not an RFC 3339 date-time',
      'getActivityById.start_latlng: more than 2 items',
    ]);
    expect(strava.validateResponse('getActivityById', 200, { id: 1, start_latlng: [1] })).toEqual([
      'getActivityById.start_latlng: fewer than 2 items',
    ]);
    expect(
      strava.validateResponse('getActivityById', 200, { id: 1, start_latlng: [], gear_id: null }),
    ).toEqual([]);
    expect(strava.validateResponse('createUpload', 500, { message: 7 })).toEqual([
      'createUpload.message: expected a string',
    ]);
  });
});
