/** Tests run TypeScript through ts-jest without type checking (tsc --noEmit does that once, in ops/test.sh). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  testTimeout: 120000,
  maxWorkers: 1,
  globalSetup: '<rootDir>/test/support/testRunSetup.ts',
  globalTeardown: '<rootDir>/test/support/testRunTeardown.ts',
  setupFilesAfterEnv: ['<rootDir>/test/support/closeChdbSessions.ts'],
};
