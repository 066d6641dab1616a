import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-results/**', '.device/**', '.gl/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // no HTML from strings: markup only through React's escaping; MathML.tsx is the one exception
    files: ['src/**/*.{ts,tsx}'],
    ignores: ['src/app/MathML.tsx'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "JSXAttribute[name.name='dangerouslySetInnerHTML']", message: 'Set HTML only through <MathML> (src/app/MathML.tsx); render text as React children.' },
        { selector: "AssignmentExpression > MemberExpression.left[property.name=/^(innerHTML|outerHTML)$/]", message: 'No innerHTML/outerHTML: build elements, or render text as React children.' },
        { selector: "CallExpression[callee.property.name='insertAdjacentHTML']", message: 'No HTML from strings (insertAdjacentHTML).' },
        { selector: "CallExpression[callee.object.name='document'][callee.property.name=/^(write|writeln)$/]", message: 'No HTML from strings (document.write).' },
      ],
    },
  },
  {
    files: ['bin/**/*.mjs', 'scripts/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
