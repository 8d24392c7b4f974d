// ESLint flat config. The rule that matters most here keeps the engine pure: no AWS SDK, no environment,
// no wall clock in lambdas/{engine,parsers,detectors,intel}. Type-only imports of SDK models are allowed
// (they vanish at compile time); anything that would run is not.
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

const PURE = ['lambdas/engine/**/*.ts', 'lambdas/response/**/*.ts', 'lambdas/parsers/**/*.ts', 'lambdas/detectors/**/*.ts', 'lambdas/intel/**/*.ts'];

module.exports = tseslint.config(
  { ignores: ['node_modules/**', 'cdk.out/**', 'dist/**', 'coverage/**', 'samples/**', 'bench/.corpus/**', '**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-this-alias': 'off',
    },
  },
  {
    files: PURE,
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@aws-sdk/*', '@smithy/*', 'aws-sdk'], allowTypeImports: true, message: 'The engine is pure: AWS SDK code belongs in lambdas/adapters.' },
            { group: ['**/adapters/**', '**/handlers/**', 'aws-cdk-lib', 'aws-cdk-lib/*', 'better-sqlite3'], message: 'Pure code must not depend on adapters, handlers, CDK or stores.' },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Use event time from the logs (or an injected clock), never the wall clock.' },
        { object: 'process', property: 'env', message: 'Configuration reaches pure code through options, not the environment.' },
        { object: 'performance', property: 'now', message: 'Pure code does not read clocks.' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: '`new Date()` reads the wall clock; pass event time.' },
      ],
      'no-restricted-globals': ['error', { name: 'process', message: 'Pure code does not touch the process (env, argv, exit).' }],
    },
  },
);
