/**
 * The editor in a real browser: Debian's chromium (driven by playwright-core) opens the example
 * workflows in a real n8n with this package installed, opens each of our nodes, and opens the cohort
 * and audience pickers, whose lists come live from the sandboxes. Screenshots go to SCREENSHOT_DIR
 * (docs/screenshots with `npm run screenshots`, a temporary folder otherwise).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { chromium, type Browser, type Page } from 'playwright-core';

import { BATCH_SANDBOX_APP_KEY, BATCH_SANDBOX_PROJECT_KEY } from '../../sandbox/batch';
import { launchEditor, type LaunchedEditor } from '../../scripts/n8n/launch';
import { COHORT_TOOL_DESCRIPTIONS } from '../../nodes/Amplitude/actions/cohort/tool-descriptions';
import { AUDIENCE_TOOL_DESCRIPTIONS } from '../../nodes/Batch/actions/audience/agent-tool';
import { AGENT_NODE_TYPE, agentWithOurTools } from './agent-workflow';

jest.setTimeout(30 * 60 * 1000);

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR ?? mkdtempSync(path.join(tmpdir(), 'editor-screenshots-'));

describe('the editor in a real browser', () => {
	let editor: LaunchedEditor;
	let browser: Browser;
	let page: Page;

	beforeAll(async () => {
		if (!existsSync(CHROMIUM)) throw new Error(`No chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
		mkdirSync(SCREENSHOT_DIR, { recursive: true });
		editor = await launchEditor();
		editor.batch.seedProjectAudience(BATCH_SANDBOX_PROJECT_KEY, { name: 'vip_customers', ids: ['user-1', 'user-2'] });
		editor.batch.seedAppAudience(BATCH_SANDBOX_APP_KEY, { name: 'beta_testers', type: 'custom_ids', ids: ['user-3'] });
		browser = await chromium.launch({
			executablePath: CHROMIUM,
			args: [
				'--no-sandbox',
				'--disable-gpu',
				'--disable-quic',
				'--no-first-run',
				'--disable-background-networking',
				'--disable-component-update',
				'--disable-sync',
			],
		});
		const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
		await context.addCookies([{ name: 'n8n-auth', value: editor.authCookie, url: editor.url }]);
		page = await context.newPage();
	});

	afterAll(async () => {
		await browser?.close();
		await editor?.stop();
	});

	const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`) });

	async function openWorkflow(file: string) {
		await page.goto(`${editor.url}/workflow/${editor.workflowIds[file]}`);
		await page.locator('[data-test-id="canvas-node"]').first().waitFor();
	}

	async function openNode(name: string) {
		if (await page.locator('[data-test-id="ndv"]').isVisible()) await closeNode();
		await page.locator(`[data-test-id="canvas-node"][data-node-name="${name}"]`).dblclick();
		await page.locator('[data-test-id="ndv"]').waitFor();
	}

	async function closeNode() {
		await page.keyboard.press('Escape'); // closes an open dropdown, if any
		await page.locator('[data-test-id="ndv-close-button"]').click();
		await page.locator('[data-test-id="ndv"]').waitFor({ state: 'hidden' });
	}

	/** Opens a resource locator's "From list" dropdown, waits for `expected` to load, returns the entries shown. */
	async function pickerEntries(parameter: string, expected: string): Promise<string[]> {
		const locator = page.locator(`[data-test-id="resource-locator-${parameter}"]`);
		const mode = locator.locator('[data-test-id="rlc-mode-selector"]');
		if (!(await mode.innerText()).includes('From list') && !(await mode.locator('input').inputValue()).includes('From list')) {
			await mode.click();
			await page.getByRole('option', { name: 'From list' }).click();
		}
		await locator.locator('[data-test-id="rlc-input"]').click();
		const items = page.locator('[data-test-id="rlc-item"]');
		await items.filter({ hasText: expected }).first().waitFor();
		return await items.allInnerTexts();
	}

	/** Our nodes on the canvas, with their icons actually loaded. */
	async function ourCanvasNodes(): Promise<Array<{ name: string; type: string; iconLoaded: boolean }>> {
		return await page.locator('[data-test-id="canvas-node"][data-node-type^="n8n-nodes-amplitude-batch."]').evaluateAll((nodes) =>
			nodes.map((node) => {
				const icon = node.querySelector('img');
				return {
					name: node.getAttribute('data-node-name') ?? '',
					type: node.getAttribute('data-node-type') ?? '',
					iconLoaded: !!icon && icon.complete && icon.naturalWidth > 0,
				};
			}),
		);
	}

	it('serves each of our nodes with the categories and documentation links of its codex file', async () => {
		// What the editor's nodes panel reads: n8n's node types, each with the codex n8n's loader found
		// beside the node's .js file in the installed package (none if the package shipped no codex).
		const response = await fetch(`${editor.url}/types/nodes.json`, { headers: { cookie: `n8n-auth=${editor.authCookie}` } });
		expect(response.status).toBe(200);
		const served = (await response.json()) as Array<{ name: string; codex?: { categories?: string[]; resources?: { primaryDocumentation?: unknown } } }>;
		const manifest = JSON.parse(readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as { n8n: { nodes: string[] } };
		for (const node of manifest.n8n.nodes) {
			const codexFile = path.join(__dirname, '../..', node.replace(/^dist\//, '').replace(/\.js$/, '.json'));
			const codex = JSON.parse(readFileSync(codexFile, 'utf8')) as { node: string; categories: string[]; resources: { primaryDocumentation: unknown } };
			const type = served.find((entry) => entry.name === codex.node);
			expect({ name: type?.name, categories: type?.codex?.categories, docs: type?.codex?.resources?.primaryDocumentation }).toEqual({
				name: codex.node,
				categories: codex.categories,
				docs: codex.resources.primaryDocumentation,
			});
		}
	});

	it('renders the profile example with our nodes and their icons', async () => {
		await openWorkflow('cohort-to-batch-profile.json');
		await page.waitForFunction(() => document.querySelectorAll('[data-test-id="canvas-node"] img').length >= 2);
		await shot('workflow-cohort-to-batch-profile');
		expect(await ourCanvasNodes()).toEqual([
			{ name: 'Get cohort', type: 'n8n-nodes-amplitude-batch.amplitude', iconLoaded: true },
			{ name: 'Upsert audience', type: 'n8n-nodes-amplitude-batch.batchProfile', iconLoaded: true },
		]);
	});

	it('opens the Amplitude node and lists the cohorts live from Amplitude', async () => {
		await openNode('Get cohort');
		await expect(page.locator('[data-test-id="ndv"]').getByText('Output Format')).toBeVisibleSoon();
		await shot('node-amplitude-get-cohort');
		const cohorts = await pickerEntries('cohort', 'Power users (small)');
		await shot('picker-cohort');
		expect(cohorts).toEqual(expect.arrayContaining(['Trial users (medium) (5,000 users)', 'Power users (small) (25 users)']));
		await closeNode();
	});

	it('opens the Batch Profile node and lists the project audiences live from Batch', async () => {
		await openNode('Upsert audience');
		await expect(page.locator('[data-test-id="ndv"]').getByText('Identifiers From')).toBeVisibleSoon();
		await shot('node-batch-profile-upsert');
		const audiences = await pickerEntries('audience', 'vip_customers');
		await shot('picker-batch-profile-audience');
		expect(audiences.join('\n')).toContain('vip_customers');
		await closeNode();
	});

	it('opens the Batch node of the app example and lists the app audiences', async () => {
		await openWorkflow('cohort-to-batch-app.json');
		await shot('workflow-cohort-to-batch-app');
		expect((await ourCanvasNodes()).map((node) => node.type)).toEqual([
			'n8n-nodes-amplitude-batch.amplitude',
			'n8n-nodes-amplitude-batch.batch',
		]);
		await openNode('Upsert audience');
		await expect(page.locator('[data-test-id="ndv"]').getByText('Identifier Type')).toBeVisibleSoon();
		await shot('node-batch-upsert');
		const audiences = await pickerEntries('audience', 'beta_testers');
		await shot('picker-batch-audience');
		expect(audiences.join('\n')).toContain('beta_testers');
		await closeNode();
	});

	it('renders the example that alerts the team', async () => {
		await openWorkflow('cohort-sync-with-alert.json');
		await shot('workflow-cohort-sync-with-alert');
		expect(await page.locator('[data-test-id="canvas-node"]').count()).toBe(5);
	});

	it("offers the Amplitude and Batch nodes in the AI Agent's tool picker, with their own tool descriptions", async () => {
		const headers = { cookie: `n8n-auth=${editor.authCookie}`, 'content-type': 'application/json' };
		// n8n's AI Agent (from @n8n/n8n-nodes-langchain, part of n8n) and the tool variants n8n builds of our nodes.
		const served = (await (await fetch(`${editor.url}/types/nodes.json`, { headers })).json()) as Array<{ name: string; outputs: unknown }>;
		expect(served.some((type) => type.name === AGENT_NODE_TYPE)).toBe(true);
		for (const node of ['amplitude', 'batch', 'batchProfile']) {
			expect(served.find((type) => type.name === `n8n-nodes-amplitude-batch.${node}Tool`)?.outputs).toEqual(['ai_tool']);
		}
		const created = await fetch(`${editor.url}/rest/workflows`, { method: 'POST', headers, body: JSON.stringify(agentWithOurTools()) });
		expect(created.status).toBe(200);
		const { data } = (await created.json()) as { data: { id: string } };
		await page.goto(`${editor.url}/workflow/${data.id}`);
		await page.locator('[data-test-id="canvas-node"][data-node-name="AI Agent"]').waitFor();
		await page.waitForFunction(() => document.querySelectorAll('[data-test-id="canvas-node"] img').length >= 3);
		await shot('agent-tools-canvas');

		// The "+" under the agent's Tool input opens n8n's tool picker.
		await page.locator('[data-test-id="canvas-node-input-handle"][data-connection-type="ai_tool"] [data-test-id="canvas-handle-plus"]').click();
		const search = page.locator('[data-test-id="node-creator-search-bar"] input, input[data-test-id="node-creator-search-bar"]').first();
		const found = page.locator('[data-test-id="node-creator-item-name"]');
		await search.fill('Batch');
		await found.filter({ hasText: 'Batch Profile Tool' }).first().waitFor();
		expect(await found.allInnerTexts()).toEqual(expect.arrayContaining(['Batch Tool', 'Batch Profile Tool']));
		await shot('agent-tool-picker-batch');
		await search.fill('Amplitude');
		await found.filter({ hasText: 'Amplitude Tool' }).first().waitFor();
		await shot('agent-tool-picker-amplitude');

		// Added from the picker: our Description field, its default following the operation.
		await found.filter({ hasText: 'Amplitude Tool' }).first().click();
		await page.locator('[data-test-id="ndv"]').waitFor();
		const description = page.locator('[data-test-id="parameter-input-toolDescription"] textarea');
		expect(await description.inputValue()).toBe(COHORT_TOOL_DESCRIPTIONS.get);
		expect(await page.locator('[data-test-id="parameter-input-outputFormat"]').count()).toBe(0);
		await shot('agent-tool-amplitude-get');
		await page.locator('[data-test-id="parameter-input-operation"]').click();
		await page.getByRole('option', { name: 'Get Many' }).click();
		await page
			.waitForFunction(
				(text) => document.querySelector<HTMLTextAreaElement>('[data-test-id="parameter-input-toolDescription"] textarea')?.value === text,
				COHORT_TOOL_DESCRIPTIONS.getAll,
				{ timeout: 10_000 },
			)
			.catch(() => undefined);
		expect(await description.inputValue()).toBe(COHORT_TOOL_DESCRIPTIONS.getAll);

		// A destructive tool: the switch that allows it, off.
		await page.locator('[data-test-id="ndv-close-button"]').click();
		await page.locator('[data-test-id="ndv"]').waitFor({ state: 'hidden' });
		await openNode('Delete app audience');
		expect(await description.inputValue()).toBe(AUDIENCE_TOOL_DESCRIPTIONS.delete);
		const allow = page.locator('[data-test-id="parameter-input-allowAgentRemovals"]');
		await allow.waitFor();
		expect(await allow.locator('.is-checked').count()).toBe(0);
		await shot('agent-tool-batch-delete');
		await page.locator('[data-test-id="ndv-close-button"]').click();
	});
});

expect.extend({
	async toBeVisibleSoon(received: ReturnType<Page['locator']>) {
		try {
			await received.first().waitFor({ state: 'visible', timeout: 15_000 });
			return { pass: true, message: () => 'visible' };
		} catch (error) {
			return { pass: false, message: () => `not visible: ${(error as Error).message}` };
		}
	},
});

declare global {
	namespace jest {
		interface Matchers<R> {
			toBeVisibleSoon(): Promise<R>;
		}
	}
}
