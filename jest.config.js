/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // isolatedModules: transpile only; `npm run typecheck` (tsc) does the type checking once for the whole tree.
    '^.+\\.tsx?$': ['ts-jest', { isolatedModules: true }],
  },
  setupFiles: ['<rootDir>/test/support/jest-setup.ts'],
  snapshotSerializers: ['<rootDir>/test/support/asset-hash-serializer.ts'],
  // CDK synths are CPU-bound; two workers match this project's 2-core CI machine.
  maxWorkers: 2,
  testTimeout: 60000,
};
