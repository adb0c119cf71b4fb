/** The harness itself: a workflow with an HTTP-calling node runs through n8n's engine over loopback. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import {
	NodeOperationError,
	type ICredentialType,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
} from 'n8n-workflow';

import { runWorkflow } from '../harness/workflow-runner';

const echoCredential: ICredentialType = {
	name: 'echoApi',
	displayName: 'Echo API',
	properties: [
		{ displayName: 'Token', name: 'token', type: 'string', typeOptions: { password: true }, default: '' },
		{ displayName: 'Base URL', name: 'baseUrl', type: 'string', default: 'http://unused' },
	],
	authenticate: { type: 'generic', properties: { headers: { 'X-Token': '={{$credentials.token}}' } } },
};

const echoNode: INodeType = {
	description: {
		displayName: 'Echo',
		name: 'echo',
		group: ['transform'],
		version: 1,
		description: 'Calls the echo server once per item',
		defaults: { name: 'Echo' },
		inputs: ['main'],
		outputs: ['main'],
		credentials: [{ name: 'echoApi', required: true }],
		properties: [{ displayName: 'Word', name: 'word', type: 'string', default: '' }],
	},
	async execute(this: IExecuteFunctions) {
		const { baseUrl } = await this.getCredentials<{ baseUrl: string }>('echoApi');
		const out: INodeExecutionData[] = [];
		for (let i = 0; i < this.getInputData().length; i++) {
			const word = this.getNodeParameter('word', i) as string;
			if (word === 'fail') throw new NodeOperationError(this.getNode(), 'asked to fail', { itemIndex: i });
			const body = await this.helpers.httpRequestWithAuthentication.call(this, 'echoApi', {
				url: `${baseUrl}/echo`,
				qs: { word },
				json: true,
			});
			this.sendMessageToUI(`echoed ${word}`);
			out.push({ json: body, pairedItem: { item: i } });
		}
		return [out];
	},
};

describe('workflow harness', () => {
	let server: http.Server;
	let baseUrl: string;

	beforeAll(async () => {
		server = http.createServer((req, res) => {
			const url = new URL(req.url ?? '/', 'http://x');
			res.setHeader('content-type', 'application/json');
			res.end(JSON.stringify({ word: url.searchParams.get('word'), token: req.headers['x-token'] ?? null }));
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	});
	afterAll(() => new Promise((resolve) => server.close(resolve)));

	const workflow = (word: string) => ({
		nodes: [
			{ id: '1', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0] as [number, number], parameters: {} },
			{
				id: '2',
				name: 'Echo',
				type: 'test.echo',
				typeVersion: 1,
				position: [200, 0] as [number, number],
				parameters: { word },
				credentials: { echoApi: { id: '1', name: 'echo' } },
			},
		],
		connections: { Start: { main: [[{ node: 'Echo', type: 'main' as const, index: 0 }]] } },
	});

	const run = (word: string) =>
		runWorkflow(workflow(word), {
			extraNodeTypes: { 'test.echo': echoNode },
			extraCredentialTypes: { echoApi: echoCredential },
			credentials: { echoApi: { token: 'sekret', baseUrl } },
			triggerItems: [{ json: { w: 'a' } }, { json: { w: 'b' } }],
		});

	it('evaluates expressions, authenticates, calls HTTP and keeps pairedItem', async () => {
		const result = await run('={{ $json.w }}!');
		expect(result.status).toBe('success');
		expect(result.nodes.Echo.items[0]).toEqual([
			{ json: { word: 'a!', token: 'sekret' }, pairedItem: { item: 0 } },
			{ json: { word: 'b!', token: 'sekret' }, pairedItem: { item: 1 } },
		]);
		expect(result.uiMessages.map((m) => m.message)).toEqual([['echoed a!'], ['echoed b!']]);
	});

	it('reports a node error', async () => {
		const result = await run('fail');
		expect(result.status).toBe('error');
		expect(result.nodes.Echo.error?.message).toBe('asked to fail');
	});
});
