/**
 * ESLint for test/ and scripts/ (scripts/eslint.config.mjs re-exports this file): the config n8n's
 * node CLI gives community packages, as the root eslint.config.mjs uses it, with the rules that
 * guard what n8n loads at run time turned off. This code is never published or loaded by n8n: it
 * starts processes, reads files, prints, and holds the sandbox's fixture keys.
 *
 * Why not an override block in the root eslint.config.mjs: with `"strict": true` in package.json,
 * `n8n-node lint` refuses any eslint.config.mjs that differs from its template, and
 * `n8n-node cloud-support` reports a package with a custom root config as not eligible for n8n
 * Cloud verification. So the root file stays the template, and `npm run lint` sets
 * ESLINT_FLAGS=unstable_config_lookup_from_file: ESLint (9.29) then takes, for each file, the
 * nearest eslint.config.mjs above it (the behaviour ESLint 10 makes the default). nodes/ and
 * credentials/ are linted by the root config exactly as n8n ships it.
 */
import { config } from '@n8n/node-cli/eslint';

export default [
	...config,
	{
		files: ['**/*.ts'],
		rules: {
			// node:fs, node:child_process, node:net…: the harness runs n8n, npm and the sandbox.
			'@n8n/community-nodes/no-restricted-imports': 'off',
			// process, setTimeout, fetch…
			'@n8n/community-nodes/no-restricted-globals': 'off',
			// spawn/exec of n8n, npm, tar, redis-server, postgres.
			'@n8n/community-nodes/no-dangerous-functions': 'off',
			// The sandbox's fixture keys and the keys it refuses; never real secrets.
			'@n8n/community-nodes/no-hardcoded-secrets': 'off',
			// Plain Error: nothing here runs inside a node.
			'@n8n/community-nodes/require-node-api-error': 'off',
			// The sandbox CLI and the scripts print to the terminal.
			'no-console': 'off',
		},
	},
];
