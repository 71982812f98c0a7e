import {
	NodeConnectionTypes,
	type IHookFunctions,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';
import { searchBots } from './listSearch';
import { authenticationProperty, helloAnnieCredentials, HELLOANNIE_DESCRIPTION } from './provider';
import { botLocator } from './resources/locators';
import { bodyItems, receivingWebhook, refuseRequest } from '../shared/triggerRequests';
import { bearerToken, generateToken, headerValue, tokenDigest } from '../shared/webhookAuth';
import {
	deleteBotWebhook,
	getBotWebhook,
	handBackKeyOf,
	handBackToken,
	isThisTriggersUrl,
	legacyRegistration,
	productionRegistration,
	productionTokenAccepted,
	readBotId,
	rememberProduction,
	rememberTest,
	testRegistration,
	testTokenAccepted,
	upsertBotWebhook,
	type TestRegistration,
} from './botWebhook';

/**
 * Whether a webhook method runs for the editor's "Listen for test event" (n8n passes the
 * activation mode 'manual' then, and never for an active workflow).
 */
const isTestListen = (fn: IHookFunctions): boolean => fn.getActivationMode() === 'manual';

const ownUrl = (fn: IHookFunctions): string => fn.getNodeWebhookUrl('default') ?? '';

/**
 * The end of a test listen: if the bot still points at the test URL, it goes back to this
 * trigger's production URL when the listen took it from there, with the hand-back token the
 * production trigger accepts; otherwise its webhook is removed. If something else has taken the
 * bot over since (a workflow activated meanwhile), it stays.
 */
async function endTestListen(fn: IHookFunctions, listen: TestRegistration): Promise<void> {
	const remote = await getBotWebhook(fn, listen.botId);
	if (remote?.url === listen.url) {
		if (listen.handBackTo) {
			const token = handBackToken(await handBackKeyOf(fn), listen.botId, listen.handBackTo);
			await upsertBotWebhook(fn, listen.botId, listen.handBackTo, token);
		} else {
			await deleteBotWebhook(fn, listen.botId);
		}
	}
	rememberTest(fn, undefined);
}

export class HelloAnnieTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'HelloAnnie Trigger',
		name: 'helloAnnieTrigger',
		icon: { light: 'file:helloannieTrigger.svg', dark: 'file:helloannieTrigger.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{"Bot " + ($parameter["botId"].cachedResultName || $parameter["botId"].value)}}',
		// The HelloAnnie node's words: n8n's nodes panel shows this description for both (see there).
		description: HELLOANNIE_DESCRIPTION,
		defaults: { name: 'HelloAnnie Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: helloAnnieCredentials,
		webhooks: [receivingWebhook('webhook')],
		properties: [
			authenticationProperty,
			{
				displayName:
					"When the workflow is activated, the bot's webhook is set to this workflow with a new random token (n8n keeps only its fingerprint, so changing the API key later does not break it), and removed again on deactivation. A bot has one webhook: activating a second workflow for the same bot takes it over. Listening for a test event takes it over too; when listening stops, it goes back to this workflow if the workflow is active (deactivating the workflow while listening removes it).",
				name: 'notice',
				type: 'notice',
				default: '',
			},
			botLocator('The bot whose webhook starts this workflow'),
		],
	};

	methods = { listSearch: { searchBots } };

	webhookMethods = {
		default: {
			// Registered only if HelloAnnie still points the bot at this URL (HelloAnnie never returns
			// the token; the one it was given is recognised by its digest, whatever the API key is
			// now). A registration of an earlier version (a token derived from the API key) is
			// registered again, with a random token.
			async checkExists(this: IHookFunctions): Promise<boolean> {
				// A test listen always registers: create must see whom it takes the bot from.
				if (isTestListen(this)) return false;
				const botId = readBotId(this);
				const url = ownUrl(this);
				const mine = productionRegistration(this);
				if (!mine || mine.botId !== botId || mine.url !== url) return false;
				const remote = await getBotWebhook(this, botId);
				return remote?.url === url && remote.authTokenSet !== false;
			},

			// A new token at every activation: a token seen before (a log, an old copy of the
			// workflow) stops working when the workflow is activated again.
			async create(this: IHookFunctions): Promise<boolean> {
				const botId = readBotId(this);
				const url = ownUrl(this);
				const token = generateToken();
				if (isTestListen(this)) {
					const remote = await getBotWebhook(this, botId);
					const remoteUrl = typeof remote?.url === 'string' ? remote.url : undefined;
					// Taken from this trigger's production URL: given back when the listen stops. Already
					// this listen's URL (listening started again): whatever it was to be given back to.
					const handBackTo =
						remoteUrl === url
							? testRegistration(this)?.handBackTo
							: remoteUrl !== undefined && isThisTriggersUrl(this, url, remoteUrl)
								? remoteUrl
								: undefined;
					await upsertBotWebhook(this, botId, url, token);
					rememberTest(this, {
						botId,
						url,
						tokenDigest: tokenDigest(token),
						...(handBackTo ? { handBackTo } : {}),
					});
					return true;
				}
				const handBack = handBackToken(await handBackKeyOf(this), botId, url);
				await upsertBotWebhook(this, botId, url, token);
				rememberProduction(this, {
					botId,
					url,
					tokenDigest: tokenDigest(token),
					handBackDigest: tokenDigest(handBack),
				});
				return true;
			},

			// Deactivation removes the bot's webhook only while it points at this trigger (its
			// production URL, or its test URL while a test listen holds the bot: nothing would give
			// it back to a deactivated workflow). If another workflow has taken the bot over since,
			// its webhook stays.
			async delete(this: IHookFunctions): Promise<boolean> {
				const url = ownUrl(this);
				const listen = testRegistration(this);
				if (listen && listen.url === url) {
					await endTestListen(this, listen);
					return true;
				}
				const mine = productionRegistration(this) ?? legacyRegistration(this);
				// Nothing registered by this node (activation failed before the upsert): nothing to remove.
				if (mine) {
					const remote = await getBotWebhook(this, mine.botId);
					const remoteUrl = typeof remote?.url === 'string' ? remote.url : undefined;
					if (
						remoteUrl !== undefined &&
						(remoteUrl === mine.url || isThisTriggersUrl(this, url, remoteUrl))
					) {
						await deleteBotWebhook(this, mine.botId);
					}
				}
				rememberProduction(this, undefined);
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const given = bearerToken(headerValue(this.getHeaderData(), 'authorization'));
		// n8n runs a test listen's requests in 'manual' mode, with the listen's own static data.
		const accepted =
			given !== undefined &&
			(this.getMode() === 'manual'
				? testTokenAccepted(this, given)
				: await productionTokenAccepted(this, given));
		if (!accepted) return refuseRequest(this, 'Bearer');
		// HelloAnnie documents neither the events nor their payload: passed on as received.
		return { workflowData: [bodyItems(this.getBodyData())] };
	}
}
