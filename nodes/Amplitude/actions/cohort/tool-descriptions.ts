/** What an AI agent reads about each Cohort operation: what it costs, what it returns, what to call first. */
import { AGENT_MEMBER_CAP, AGENT_MEMBER_DEFAULT } from '../../output/agent-summary';
import { toolDescriptionProperties } from '../../../shared/agent/tool-mode';

export const COHORT_TOOL_DESCRIPTIONS = {
	get:
		"Exports the members of one Amplitude cohort. Costly: every call spends one of the project's 500 monthly " +
		'cohort exports, takes from seconds to several minutes, and a cohort can hold up to 2 million members. ' +
		`Returns a summary: memberCount, anonymousCount, the first ${AGENT_MEMBER_DEFAULT} user IDs (up to ${AGENT_MEMBER_CAP} ` +
		"when the tool takes a maxMembers argument) and the export's requestId. Call the list of cohorts first to find the cohort ID and its size; " +
		'do not call this tool to learn a size or to check whether a cohort exists.',
	getAll:
		'Lists the cohorts of the Amplitude project: ID, name, size (member count), last computation time, archived and ' +
		'owners of each. Free and fast (spends no export): use it to find a cohort ID, compare sizes or see whether a ' +
		'cohort was recomputed, before exporting anything.',
};

export const cohortToolDescriptions = toolDescriptionProperties('cohort', COHORT_TOOL_DESCRIPTIONS);
