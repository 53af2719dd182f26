// ESLint (flat config): typescript-eslint recommended, Prettier compatibility, and Nx module
// boundaries enforced by tags (ARCHITECTURE.md): the domain imports only contracts, libs never
// import services or tools.
const nx = require('@nx/eslint-plugin');
const tseslint = require('typescript-eslint');
const prettier = require('eslint-config-prettier');

/** Allowed dependencies per tag; tests may also use the testing libs (stack env, generator). */
function boundaries(forTests) {
  const t = forTests ? ['type:testing'] : [];
  return {
    enforceBuildableLibDependency: false,
    allow: [],
    depConstraints: [
      { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: [...t] },
      { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:contracts', ...t] },
      // wire formats other than Avro (the CEB XML messages): pure translation, no I/O
      { sourceTag: 'type:codec', onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', ...t] },
      { sourceTag: 'type:runtime', onlyDependOnLibsWithTags: ['type:runtime', 'type:contracts', ...t] },
      { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', 'type:codec', 'type:testing'] },
      { sourceTag: 'type:service', onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', 'type:codec', 'type:runtime', 'type:testing'] },
      {
        sourceTag: 'type:tool',
        onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', 'type:codec', 'type:runtime', 'type:testing', 'type:service', 'type:tool'],
      },
    ],
  };
}

module.exports = [
  { ignores: ['**/node_modules', '**/dist', 'tmp', '.stack', '.nx', 'deploy/local/target', 'libs/contracts/src/generated'] },
  ...tseslint.configs.recommended,
  prettier,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@nx/enforce-module-boundaries': ['error', boundaries(false)],
    },
  },
  {
    // libs/domain is pure: no I/O libraries, whatever the tags say.
    files: ['libs/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['kafkajs', 'pg', 'avsc', '@kafkajs/confluent-schema-registry', 'node:fs', 'fs', 'node:child_process'],
          patterns: ['@nestjs/*'],
        },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/test/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': ['error', boundaries(true)] },
  },
  { files: ['**/*.js'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
];
