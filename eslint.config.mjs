import { config } from '@n8n/node-cli/eslint';

// Only the published code (nodes/, credentials/, package.json) is node code: tests, the
// sandbox, scripts and examples are neither published nor held to the node rules.
export default [
	{ ignores: ['test/**', 'scripts/**', 'examples/**', 'docs/**', 'dist/**', 'jest.config.js'] },
	...config,
];
