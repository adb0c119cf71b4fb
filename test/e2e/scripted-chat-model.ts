/**
 * A scripted OpenAI-compatible chat-completions endpoint on loopback, for running n8n's real AI Agent
 * without a model: each answer is the next step of the script (call these tools, then say this), and every
 * request is kept, so a test reads what the agent sent: the tools with their descriptions and JSON
 * schemas, and the tool results it got back.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type ScriptStep = { toolCalls: Array<{ name: string; args: Record<string, unknown> }> } | { say: string };

export interface ChatRequest {
	model: string;
	stream?: boolean;
	messages: Array<{ role: string; content?: unknown; tool_call_id?: string; name?: string; tool_calls?: unknown[] }>;
	tools?: Array<{ type: string; function: { name: string; description: string; parameters: Record<string, unknown> } }>;
}

export interface ScriptedChatModel {
	/** Base URL for the OpenAI credential's "Base URL" (ends in /v1). */
	url: string;
	requests: ChatRequest[];
	close(): Promise<void>;
}

function message(step: ScriptStep, callNumber: number) {
	if ('say' in step) return { message: { role: 'assistant', content: step.say }, finish: 'stop' };
	const toolCalls = step.toolCalls.map((call, i) => ({
		id: `call_${callNumber}_${i}`,
		type: 'function',
		function: { name: call.name, arguments: JSON.stringify(call.args) },
	}));
	return { message: { role: 'assistant', content: null, tool_calls: toolCalls }, finish: 'tool_calls' };
}

export async function startScriptedChatModel(script: ScriptStep[]): Promise<ScriptedChatModel> {
	const requests: ChatRequest[] = [];
	const server = http.createServer((req, res) => {
		let body = '';
		req.on('data', (chunk: Buffer) => (body += chunk.toString()));
		req.on('end', () => {
			if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
				res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no route ${req.url}` } }));
				return;
			}
			const request = JSON.parse(body) as ChatRequest;
			requests.push(request);
			const step = script[requests.length - 1] ?? { say: 'Done.' };
			const { message: answer, finish } = message(step, requests.length);
			const base = { id: `chatcmpl-${requests.length}`, created: Math.floor(Date.now() / 1000), model: request.model };
			const usage = { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 };
			if (request.stream) {
				// Server-sent events: the whole answer in one delta, then the finish reason and usage.
				const delta = {
					role: 'assistant',
					content: answer.content ?? '',
					...(answer.tool_calls ? { tool_calls: answer.tool_calls.map((call, index) => ({ index, ...call })) } : {}),
				};
				res.writeHead(200, { 'content-type': 'text/event-stream' });
				res.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: null }] })}\n\n`);
				res.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: finish }], usage })}\n\n`);
				res.end('data: [DONE]\n\n');
				return;
			}
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end(JSON.stringify({ ...base, object: 'chat.completion', choices: [{ index: 0, message: answer, finish_reason: finish }], usage }));
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}/v1`,
		requests,
		close: () => new Promise<void>((resolve) => server.close(() => resolve())),
	};
}
