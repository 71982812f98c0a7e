/**
 * The "What to type" banner of `npm run dev:sandbox` and cli.ts: every key and ID of the fixtures
 * under its field's label, taken from the fixtures given (so a fixture added is listed), and the
 * values it prints are the ones the sandbox accepts (a call created with them is answered 200).
 * README.md's Try it table repeats the IDs by hand: checked against the fixtures here.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

import { sandboxValuesBanner } from './banner';
import { SANDBOX_FIXTURES, startSandbox, type Sandbox } from './server';

type Fields = Record<string, string[]>;

/** The banner's lines, read back: provider → field label → the first word of each value. */
function read(lines: readonly string[]): Record<string, Fields> {
	const providers: Record<string, Fields> = {};
	let provider: Fields | undefined;
	let label = '';
	for (const line of lines.slice(1)) {
		if (!line.startsWith('  ')) {
			provider = providers[line] = {};
			continue;
		}
		if (!provider) throw new Error(`a field before any provider: ${line}`);
		const match = /^ {2}(.{20})(\S+)/.exec(line);
		if (!match) throw new Error(`not a field line: ${line}`);
		if (match[1].trim() !== '') label = match[1].trim();
		(provider[label] ??= []).push(match[2]);
	}
	return providers;
}

describe('sandboxValuesBanner', () => {
	const { helloAnnie, alloMia, aiCaller } = SANDBOX_FIXTURES;
	const banner = read(sandboxValuesBanner());

	it('lists every key and ID of the fixtures, per provider, under the label of its field', () => {
		expect(Object.keys(banner)).toEqual(['HelloAnnie', 'AlloMia', 'AICaller']);
		expect(banner.HelloAnnie).toEqual({
			'API key': [helloAnnie.apiKey],
			'OAuth2 client': [helloAnnie.oauth.clientId],
			'Organization ID': [helloAnnie.orgId],
			Bot: helloAnnie.bots.map((bot) => bot.id),
			'From Number': helloAnnie.phoneNumbers.map((phone) => phone.number),
		});
		expect(banner.AlloMia).toEqual({
			'API key': [alloMia.apiKey, alloMia.readOnlyApiKey, alloMia.inactiveOrgApiKey],
			'Organization ID': [alloMia.organizationId],
			'Assistant ID': alloMia.assistants.map((assistant) => assistant.id),
			'Phone Number ID': alloMia.phoneNumbers.map((phone) => phone.id),
		});
		expect(banner.AICaller).toEqual({
			'API key': [aiCaller.apiKey],
			'Team ID': [aiCaller.teamId],
			'Call Template ID': aiCaller.callTemplates.map((template) => template._id),
			'Phone Number ID': aiCaller.phoneNumbers.map((phone) => phone._id),
			'Webhook secret': [aiCaller.webhookSecret],
		});
	});

	it('names what each ID stands for, and the phone numbers’ own IDs', () => {
		const text = sandboxValuesBanner().join('\n');
		for (const bot of helloAnnie.bots) expect(text).toMatch(`${bot.id}  ${bot.name}`);
		for (const phone of helloAnnie.phoneNumbers) {
			expect(text).toContain(`${phone.number}  ${phone.name} (Phone Number ID ${phone.id})`);
		}
		expect(text).toContain(helloAnnie.oauth.clientSecret);
		for (const assistant of alloMia.assistants) {
			expect(text).toMatch(new RegExp(`${assistant.id} +${assistant.name}`));
		}
		for (const phone of alloMia.phoneNumbers) {
			expect(text).toMatch(new RegExp(`${phone.id} +\\${phone.number}`));
		}
		for (const template of aiCaller.callTemplates) {
			expect(text).toMatch(new RegExp(`${template._id} +${template.name}`));
		}
	});

	it('is built from the fixtures it is given, not written out', () => {
		const added = { _id: 'aa11bb22cc33dd44ee55ff66', name: 'No-show follow-up', teamId: 'team-2' };
		const fixtures = {
			...SANDBOX_FIXTURES,
			aiCaller: {
				...aiCaller,
				teamId: 'team-2',
				callTemplates: [added],
			},
		} as unknown as typeof SANDBOX_FIXTURES;
		const aiCallerFields = read(sandboxValuesBanner(fixtures)).AICaller;
		expect(aiCallerFields['Team ID']).toEqual(['team-2']);
		expect(aiCallerFields['Call Template ID']).toEqual([added._id]);
	});

	it("README.md's Try it section gives the keys and IDs to type, as the fixtures hold them", () => {
		const readme = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
		const section = /^## Try it[^\n]*\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1] ?? '';
		const row = (provider: string): string =>
			section.split('\n').find((line) => line.startsWith(`| ${provider} |`)) ?? '';
		const quoted = (line: string): string[] =>
			[...line.matchAll(/`([^`]+)`/g)].map((match) => match[1]);
		expect(quoted(row('HelloAnnie'))).toEqual([
			helloAnnie.apiKey,
			helloAnnie.orgId,
			...helloAnnie.phoneNumbers.map((phone) => phone.number),
		]);
		expect(quoted(row('AlloMia'))).toEqual([
			alloMia.apiKey,
			alloMia.organizationId,
			...alloMia.assistants.map((assistant) => assistant.id),
			...alloMia.phoneNumbers.map((phone) => phone.id),
		]);
		expect(quoted(row('AICaller'))).toEqual([
			aiCaller.apiKey,
			aiCaller.teamId,
			...aiCaller.callTemplates.map((template) => template._id),
		]);
	});

	describe('the values it prints are the ones the sandbox accepts', () => {
		let sandbox: Sandbox;
		beforeAll(async () => {
			sandbox = await startSandbox({ logErrors: false });
		});
		afterAll(async () => {
			await sandbox.close();
		});

		const post = async (url: string, headers: Record<string, string>, body: unknown) =>
			(
				await fetch(url, {
					method: 'POST',
					headers: { ...headers, 'content-type': 'application/json' },
					body: JSON.stringify(body),
				})
			).status;

		it('AlloMia: Create Outbound with each Assistant ID and Phone Number ID listed', async () => {
			const { 'API key': keys, 'Assistant ID': assistants } = banner.AlloMia;
			for (const assistantId of assistants) {
				for (const phoneNumberId of banner.AlloMia['Phone Number ID']) {
					const status = await post(
						`${sandbox.baseUrls.alloMia}/api/outbound`,
						{ authorization: `Bearer ${keys[0]}` },
						{ phoneNumber: '+15145551234', assistantId, phoneNumberId },
					);
					expect({ assistantId, phoneNumberId, status }).toEqual({
						assistantId,
						phoneNumberId,
						status: 200,
					});
				}
			}
			expect(sandbox.requestsFor('allomia').map((r) => r.valid)).not.toContain(false);
		});

		it('AICaller: Create Phone Call with the Team ID and each Call Template ID listed', async () => {
			const { 'API key': keys, 'Team ID': teams } = banner.AICaller;
			for (const callTemplateId of banner.AICaller['Call Template ID']) {
				const status = await post(
					`${sandbox.baseUrls.aiCaller}/v1/phoneCalls`,
					{ 'aicaller-api-key': keys[0] },
					{
						teamId: teams[0],
						callTemplateId,
						phoneNumberId: banner.AICaller['Phone Number ID'][0],
						nameOfHuman: 'Jane',
						toPhoneNumber: '+15550102030',
						promptVariableValues: [],
					},
				);
				expect({ callTemplateId, status }).toEqual({ callTemplateId, status: 200 });
			}
			expect(sandbox.requestsFor('aicaller').map((r) => r.valid)).not.toContain(false);
		});

		it('HelloAnnie: the key, the Bot IDs and the From Numbers listed', async () => {
			const key = banner.HelloAnnie['API key'][0];
			const answer = await fetch(`${sandbox.baseUrls.helloAnnie}/bots`, {
				headers: { authorization: `Bearer ${key}` },
			});
			expect(answer.status).toBe(200);
			const body = (await answer.json()) as { data: { bots: Array<{ id: string }> } };
			expect(body.data.bots.map((bot) => bot.id)).toEqual(banner.HelloAnnie.Bot);
			const numbers = await fetch(`${sandbox.baseUrls.helloAnnie}/phone-numbers`, {
				headers: { authorization: `Bearer ${key}` },
			});
			const listed = (await numbers.json()) as {
				data: { phoneNumbers: Array<{ number: string }> };
			};
			expect(listed.data.phoneNumbers.map((phone) => phone.number)).toEqual(
				banner.HelloAnnie['From Number'],
			);
		});
	});
});
