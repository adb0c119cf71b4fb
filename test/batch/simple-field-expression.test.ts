import { readFieldPath, simpleJsonFieldPath } from '../../nodes/Batch/actions/audience/simple-field-expression';

describe('simpleJsonFieldPath', () => {
	it.each([
		['={{ $json.user_id }}', ['user_id']],
		['={{$json.user_id}}', ['user_id']],
		['={{ $json.user.id }}', ['user', 'id']],
		['={{ $json["user id"] }}', ['user id']],
		["={{ $json['a.b'].c }}", ['a.b', 'c']],
	])('reads %s as a plain field path', (raw, path) => {
		expect(simpleJsonFieldPath(raw)).toEqual(path);
	});

	it.each([
		['user_id'], // a fixed value, not an expression
		['={{ $json.user_id || $json.email }}'],
		['={{ $json.user_id.toLowerCase() }}'],
		["={{ $('Get cohort').item.json.user_id }}"],
		['={{ $json.user_id }} suffix'],
		['={{ $json }}'],
		['={{ $json[0] }}'],
		[undefined],
	])('leaves %s to n8n', (raw) => {
		expect(simpleJsonFieldPath(raw)).toBeUndefined();
	});
});

describe('readFieldPath', () => {
	it('returns what the expression would', () => {
		const json = { user_id: 'u1', user: { id: 7 }, 'user id': 'x', empty: null };
		expect(readFieldPath(json, ['user_id'])).toBe('u1');
		expect(readFieldPath(json, ['user', 'id'])).toBe(7);
		expect(readFieldPath(json, ['user id'])).toBe('x');
		expect(readFieldPath(json, ['empty', 'id'])).toBeUndefined();
		expect(readFieldPath(json, ['missing'])).toBeUndefined();
	});
});
