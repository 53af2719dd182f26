// Two jest projects over the whole workspace:
//  - unit: *.spec.ts, pure and in-memory, no broker needed;
//  - integration: *.int-spec.ts, against the real stack (KAFKA_BROKERS, SCHEMA_REGISTRY_URL,
//    DATABASE_URL from the environment or the running local stack), run serially.
const preset = require('./jest.preset.js');

module.exports = {
  projects: [
    { ...preset, displayName: 'unit', rootDir: __dirname, testMatch: ['<rootDir>/{libs,services,tools,tests}/**/*.spec.ts'] },
    {
      ...preset,
      displayName: 'integration',
      rootDir: __dirname,
      testMatch: ['<rootDir>/{libs,services,tools,tests}/**/*.int-spec.ts'],
      globalSetup: '<rootDir>/libs/testing/src/global-setup.js',
      slowTestThreshold: 60,
      setupFilesAfterEnv: ['<rootDir>/libs/testing/src/integration-setup.js'],
    },
  ],
};
