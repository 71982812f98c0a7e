/**
 * Two projects: `unit` (the nodes driven by n8n-core in-process against the sandbox; fast) and
 * `e2e` (the packed package inside a real n8n). `npm test` runs both; `npm run test:unit`
 * only the first.
 */
// Type checking is `npm run typecheck`; jest only transpiles (isolatedModules in test/tsconfig.json),
// which keeps the suite fast.
const tsJest = ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json' }];

/** @type {import('jest').Config} */
module.exports = {
	// e2e tests set their own, longer timeouts with jest.setTimeout
	testTimeout: 60000,
	projects: [
		{
			displayName: 'unit',
			testEnvironment: 'node',
			rootDir: __dirname,
			modulePathIgnorePatterns: ['<rootDir>/dist/'],
			transform: { '^.+\\.ts$': tsJest },
			testMatch: ['<rootDir>/test/unit/**/*.test.ts', '<rootDir>/test/sandbox/**/*.test.ts'],
		},
		{
			displayName: 'e2e',
			testEnvironment: 'node',
			rootDir: __dirname,
			modulePathIgnorePatterns: ['<rootDir>/dist/'],
			transform: { '^.+\\.ts$': tsJest },
			testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
			globalSetup: '<rootDir>/test/e2e/global-setup.ts',
			globalTeardown: '<rootDir>/test/e2e/global-teardown.ts',
		},
	],
};
