// A small rule set: what catches real mistakes here, not style (prettier owns the layout, at 150 columns).
const tseslint = require('typescript-eslint');
const stylistic = require('@stylistic/eslint-plugin');

module.exports = tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'cdktn/**', 'dist-jsii/**', 'test/expected/**', '**/*.js', '**/*.d.ts'] },
  {
    files: ['lib/**/*.ts', 'bin/**/*.ts', 'test/**/*.ts', 'examples/**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@typescript-eslint': tseslint.plugin, '@stylistic': stylistic },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@stylistic/max-len': ['error', { code: 150, tabWidth: 2 }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'prefer-const': 'error',
      'no-var': 'error',
      'no-debugger': 'error',
      'no-duplicate-imports': 'error',
      'no-throw-literal': 'error',
      'no-fallthrough': 'error',
      'no-self-compare': 'error',
      // Lazy loads are the one use: `idha shim` must not load cdktf, so bin/ and the synth worker
      // require lib's modules only when a command runs; the AzureRM bindings load on first use (an
      // optional peer on CDK Terrain); package.json and the compiled schema validator are data.
      '@typescript-eslint/no-require-imports': [
        'error',
        { allow: ['^(\\.\\./)+lib/', '^\\./(synthesize|topology-validator)$', '/package\\.json$', '^@cdktf/provider-azurerm/lib/'] },
      ],
      '@typescript-eslint/no-non-null-asserted-optional-chain': 'error',
      '@typescript-eslint/no-duplicate-enum-values': 'error',
      '@typescript-eslint/prefer-as-const': 'error',
    },
  },
);
