import { decodePolyline, encodePolyline, haversineMeters, thin } from './polyline.js';

describe('encoded polylines', () => {
  it("encodes Google's documented example and decodes it back", () => {
    const points: Array<[number, number]> = [
      [38.5, -120.2],
      [40.7, -120.95],
      [43.252, -126.453],
    ];
    expect(encodePolyline(points)).toBe('_p~iF~ps|U_ulLnnqC_mqNvxq`@');
    expect(decodePolyline('_p~iF~ps|U_ulLnnqC_mqNvxq`@')).toEqual(points);
  });

  it('thins to at most N points keeping both ends, and measures great-circle distance', () => {
    const many = Array.from({ length: 1000 }, (_, i) => i);
    const few = thin(many, 200);
    expect(few).toHaveLength(200);
    expect([few[0], few.at(-1)]).toEqual([0, 999]);
    expect(thin([1, 2], 200)).toEqual([1, 2]);
    // one degree of latitude is about 111.2 km
    expect(haversineMeters({ lat: 0, lng: 0 }, { lat: 1, lng: 0 })).toBeCloseTo(111_195, -1);
  });
});
