/** The kinds of session a simulated athlete records, with plausible ranges for each. */
export type SimSport =
  'RUN' | 'RIDE' | 'WALK' | 'HIKE' | 'SWIM' | 'YOGA' | 'WEIGHTS' | 'HIIT' | 'WORKOUT' | 'PILATES';

export interface SportProfile {
  sport: SimSport;
  weight: number;
  /** Share of sessions recorded outdoors with GPS (the rest: treadmill, trainer, pool, gym). */
  outdoorShare: number;
  minutes: [number, number];
  /** Moving speed in m/s; 0 for sports without distance. */
  speed: [number, number];
  /** Metabolic equivalent, for calories. */
  met: number;
  averageHr: [number, number];
  /** Usual local start hours. */
  hours: number[];
  names: string[];
}

export const SPORTS: SportProfile[] = [
  {
    sport: 'RUN',
    weight: 34,
    outdoorShare: 0.85,
    minutes: [20, 80],
    speed: [2.6, 3.9],
    met: 9.8,
    averageHr: [138, 165],
    hours: [6, 7, 12, 17, 18, 19],
    names: ['Morning Run', 'Easy Run', 'Tempo Run', 'Long Run', 'Evening Run', 'Lunch Run'],
  },
  {
    sport: 'RIDE',
    weight: 20,
    outdoorShare: 0.75,
    minutes: [30, 150],
    speed: [5.5, 8.5],
    met: 7.5,
    averageHr: [125, 150],
    hours: [7, 9, 10, 16, 17],
    names: ['Morning Ride', 'Afternoon Ride', 'Gravel Loop', 'Commute', 'Hill Repeats'],
  },
  {
    sport: 'WALK',
    weight: 14,
    outdoorShare: 0.95,
    minutes: [20, 90],
    speed: [1.2, 1.7],
    met: 3.5,
    averageHr: [92, 112],
    hours: [8, 12, 13, 18, 20],
    names: ['Walk', 'Lunch Walk', 'Evening Walk', 'Dog Walk'],
  },
  {
    sport: 'HIKE',
    weight: 5,
    outdoorShare: 1,
    minutes: [60, 240],
    speed: [0.9, 1.3],
    met: 6,
    averageHr: [110, 135],
    hours: [8, 9, 10],
    names: ['Hike', 'Mountain Hike', 'Forest Trail'],
  },
  {
    sport: 'SWIM',
    weight: 6,
    outdoorShare: 0,
    minutes: [20, 60],
    speed: [0.6, 1.0],
    met: 8,
    averageHr: [120, 145],
    hours: [6, 7, 12, 19],
    names: ['Pool Swim', 'Swim Drills', 'Morning Swim'],
  },
  {
    sport: 'YOGA',
    weight: 6,
    outdoorShare: 0,
    minutes: [20, 60],
    speed: [0, 0],
    met: 2.5,
    averageHr: [80, 100],
    hours: [6, 7, 19, 20],
    names: ['Yoga', 'Vinyasa Flow', 'Stretching'],
  },
  {
    sport: 'WEIGHTS',
    weight: 8,
    outdoorShare: 0,
    minutes: [30, 75],
    speed: [0, 0],
    met: 5,
    averageHr: [100, 125],
    hours: [7, 12, 17, 18],
    names: ['Strength Training', 'Leg Day', 'Upper Body'],
  },
  {
    sport: 'HIIT',
    weight: 4,
    outdoorShare: 0,
    minutes: [15, 40],
    speed: [0, 0],
    met: 8,
    averageHr: [140, 165],
    hours: [6, 7, 18],
    names: ['HIIT', 'Tabata', 'Circuit'],
  },
  {
    sport: 'WORKOUT',
    weight: 2,
    outdoorShare: 0,
    minutes: [20, 60],
    speed: [0, 0],
    met: 4.5,
    averageHr: [100, 130],
    hours: [7, 18],
    names: ['Workout', 'Cross Training'],
  },
  {
    sport: 'PILATES',
    weight: 1,
    outdoorShare: 0,
    minutes: [30, 60],
    speed: [0, 0],
    met: 3,
    averageHr: [85, 105],
    hours: [8, 19],
    names: ['Pilates', 'Core Session'],
  },
];

export const sportProfile = (sport: SimSport): SportProfile => SPORTS.find((s) => s.sport === sport)!;

/** Home bases for simulated athletes: a city and its time zone. */
export const HOMES = [
  { city: 'Berlin', timezone: 'Europe/Berlin', lat: 52.52, lng: 13.405, altitude: 34 },
  { city: 'New York', timezone: 'America/New_York', lat: 40.7128, lng: -74.006, altitude: 10 },
  { city: 'San Francisco', timezone: 'America/Los_Angeles', lat: 37.7749, lng: -122.4194, altitude: 16 },
  { city: 'Tokyo', timezone: 'Asia/Tokyo', lat: 35.6762, lng: 139.6503, altitude: 40 },
  { city: 'Sydney', timezone: 'Australia/Sydney', lat: -33.8688, lng: 151.2093, altitude: 58 },
  { city: 'Bengaluru', timezone: 'Asia/Kolkata', lat: 12.9716, lng: 77.5946, altitude: 920 },
  { city: 'São Paulo', timezone: 'America/Sao_Paulo', lat: -23.5505, lng: -46.6333, altitude: 760 },
  { city: 'London', timezone: 'Europe/London', lat: 51.5074, lng: -0.1278, altitude: 11 },
];
