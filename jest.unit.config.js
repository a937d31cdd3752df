import config from './jest.config.js';

/**
 * `npm run test:unit`: only the unit specs (*.spec.ts), which need no database, so no global setup
 * starts or finds one. The integration and end-to-end tests (*.e2e-spec.ts) run in `npm test`.
 */
export default {
  ...config,
  testMatch: [
    '<rootDir>/src/**/*.spec.ts',
    '<rootDir>/migrations/**/*.spec.ts',
    '<rootDir>/test/**/*.spec.ts',
  ],
  globalSetup: undefined,
  globalTeardown: undefined,
};
