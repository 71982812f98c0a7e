import {
	NodeConnectionTypes,
	type IHookFunctions,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';
import { searchBots } from './listSearch';
import { botLocator } from './resources/locators';
import {
	bearerToken,
	bodyItems,
	generateToken,
	headerValue,
	refuseRequest,
	safeEqual,
	receivingWebhook,
} from '../shared/webhookAuth';
import {
	apiKeyOf,
	deleteBotWebhook,
	getBotWebhook,
	readBotId,
	registered,
	remember,
	tokenCheck,
	upsertBotWebhook,
	webhookToken,
} from './botWebhook';

export class HelloAnnieTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'HelloAnnie Trigger',
		name: 'helloAnnieTrigger',
		icon: { light: 'file:helloannieTrigger.svg', dark: 'file:helloannieTrigger.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{"Bot " + ($parameter["botId"].cachedResultName || $parameter["botId"].value)}}',
		// n8n's nodes panel lists this trigger and the HelloAnnie node as one entry under this
		// description, where users look for calling and texting: the action comes first.
		description:
			"Call or text patients through HelloAnnie, the dental AI receptionist: appointment confirmations, reminders, recalls. This trigger starts a workflow when HelloAnnie calls a bot's webhook",
		defaults: { name: 'HelloAnnie Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'helloAnnieApi', required: true }],
		webhooks: [receivingWebhook('webhook')],
		properties: [
			{
				displayName:
					"When the workflow is activated, the bot's webhook is set to this workflow (with a new secret token, derived from the credential's API key and stored nowhere) and removed again on deactivation. A bot has one webhook: activating a second workflow for the same bot, or listening for a test event, takes it over.",
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
			// Registered only if HelloAnnie still points the bot at this URL and the token that goes
			// with it can still be derived (HelloAnnie never returns the token; the API key may have
			// changed since, which changes the token).
			async checkExists(this: IHookFunctions): Promise<boolean> {
				const botId = readBotId(this);
				const url = this.getNodeWebhookUrl('default') ?? '';
				const mine = registered(this);
				if (!mine || mine.botId !== botId || mine.url !== url) return false;
				if (tokenCheck(webhookToken(await apiKeyOf(this), mine.nonce, url)) !== mine.check) return false;
				const remote = await getBotWebhook(this, botId);
				return remote?.url === url && remote.authTokenSet !== false;
			},

			// A new token at every activation: a token seen before (a log, an old copy of the
			// workflow) stops working when the workflow is activated again.
			async create(this: IHookFunctions): Promise<boolean> {
				const botId = readBotId(this);
				const url = this.getNodeWebhookUrl('default') ?? '';
				const nonce = generateToken();
				const authToken = webhookToken(await apiKeyOf(this), nonce, url);
				await upsertBotWebhook(this, botId, url, authToken);
				remember(this, { botId, url, nonce, check: tokenCheck(authToken) });
				return true;
			},

			// Removes the bot's webhook only while it still points here: if another workflow has
			// taken the bot over since, its webhook stays.
			async delete(this: IHookFunctions): Promise<boolean> {
				const mine = registered(this);
				// Nothing registered by this node (activation failed before the upsert): nothing to remove.
				if (!mine) return true;
				const remote = await getBotWebhook(this, mine.botId);
				if (remote?.url === mine.url) await deleteBotWebhook(this, mine.botId);
				remember(this, undefined);
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const given = bearerToken(headerValue(this.getHeaderData(), 'authorization'));
		const mine = registered(this);
		// The token is derived again for each request; it is stored nowhere.
		const apiKey = mine && given !== undefined ? await apiKeyOf(this).catch(() => '') : '';
		if (!mine || given === undefined || apiKey === '' || !safeEqual(given, webhookToken(apiKey, mine.nonce, mine.url))) {
			return refuseRequest(this, 'Bearer');
		}
		// HelloAnnie documents neither the events nor their payload: passed on as received.
		return { workflowData: [bodyItems(this.getBodyData())] };
	}
}
