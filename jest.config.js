import { swcOptions } from './scripts/swc-options.js';

/**
 * Unit specs live beside the code (src/**\/*.spec.ts); integration and e2e tests under test/.
 * Every test file gets its own database cloned from a migrated template (test/support/database.ts).
 */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', swcOptions] },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: [
    '<rootDir>/src/**/*.spec.ts',
    '<rootDir>/migrations/**/*.spec.ts',
    '<rootDir>/test/**/*.spec.ts',
    '<rootDir>/test/**/*.e2e-spec.ts',
  ],
  globalSetup: '<rootDir>/test/setup/global-setup.js',
  globalTeardown: '<rootDir>/test/setup/global-teardown.js',
  testTimeout: 120_000,
  cacheDirectory: '<rootDir>/node_modules/.cache/jest', // not a folder in the temp directory
  maxWorkers: 2,
  verbose: false,
};
