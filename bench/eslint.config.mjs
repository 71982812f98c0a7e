/** The same ESLint config as test/: see test/eslint.config.mjs. */
export { default } from '../test/eslint.config.mjs';
