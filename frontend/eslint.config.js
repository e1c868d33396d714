// ESLint flat config: the recommended JavaScript and Vue 3 rules; formatting is Prettier's job
// (eslint-config-prettier turns off the rules that would fight it).
import js from '@eslint/js'
import pluginVue from 'eslint-plugin-vue'
import prettier from 'eslint-config-prettier'
import globals from 'globals'

export default [
  // e2e/ (Playwright specs) is not linted yet: several people write specs there at the moment.
  { ignores: ['dist/', 'node_modules/', 'playwright-report/', 'test-results/', 'e2e/'] },
  js.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  {
    languageOptions: {
      ecmaVersion: 'latest',
      sourceType: 'module',
      globals: { ...globals.browser },
    },
  },
  {
    files: ['*.config.js'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
  prettier,
]
