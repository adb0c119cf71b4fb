/**
 * Where the trigger keeps what the last poll saw: the node's static data (n8n saves it after production
 * polls that emit and those that do not). One small interface, so the store can be swapped.
 * The project is a hash of the API key: another project's state is never compared with this one's.
 */
import { readPollState, emptyPollState, type PollState } from './cohort-changes';

export interface PollStateStore {
	load(): PollState;
	save(state: PollState): void;
}

const STATE_KEY = 'amplitudeCohortChanged';

export function staticDataPollStateStore(nodeData: Record<string, unknown>, project: string): PollStateStore {
	return {
		load: () => {
			const stored = nodeData[STATE_KEY] as { project?: unknown; state?: unknown } | undefined;
			return stored && stored.project === project ? readPollState(stored.state) : emptyPollState();
		},
		save: (state) => {
			// A new top-level value: n8n notices changes to static data at that level.
			nodeData[STATE_KEY] = { project, state: structuredClone(state) };
		},
	};
}
