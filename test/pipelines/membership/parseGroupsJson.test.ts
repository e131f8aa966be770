import { GroupsInputError } from '../../../pipelines/membership/groupsInputError';
import { parseGroupsJson } from '../../../pipelines/membership/parseGroupsJson';

function refusal(text: string): GroupsInputError {
  try {
    parseGroupsJson(text);
  } catch (error) {
    if (error instanceof GroupsInputError) return error;
    throw error;
  }
  throw new Error('expected a GroupsInputError');
}

function groups(...entries: unknown[]): string {
  return JSON.stringify({ groups: entries });
}

describe('parseGroupsJson', () => {
  it('reads the SEMANTICS.md §2 example, in input order', () => {
    const text =
      '{"groups": [{"mRID": "g1", "name": "Feeder 12", "effectiveFrom": 0,' +
      ' "members": [{"deviceId": "d1", "ratedPower": 5000, "ratedEnergy": 13500}]},' +
      ' {"mRID": "g1", "effectiveFrom": 1700000600000, "deleted": true}]}';
    expect(parseGroupsJson(text)).toEqual([
      {
        groupId: 'g1',
        name: 'Feeder 12',
        effectiveFrom: 0,
        deleted: false,
        members: [{ deviceId: 'd1', ratedPower: 5000, ratedEnergy: 13500 }],
      },
      { groupId: 'g1', effectiveFrom: 1700000600000, deleted: true, members: [] },
    ]);
  });

  it('defaults effectiveFrom to 0, accepts an empty member list and omits absent nameplates', () => {
    const [a, b] = parseGroupsJson(
      groups({ mRID: 'a', members: [] }, { mRID: 'b', effectiveFrom: 60000, members: [{ deviceId: 'x' }] }),
    );
    expect(a).toEqual({ groupId: 'a', effectiveFrom: 0, deleted: false, members: [] });
    expect(b).toEqual({ groupId: 'b', effectiveFrom: 60000, deleted: false, members: [{ deviceId: 'x' }] });
    expect(Object.keys(b!.members[0]!)).toEqual(['deviceId']);
  });

  it('accepts a deleted entry with an empty members array', () => {
    expect(parseGroupsJson(groups({ mRID: 'g', deleted: true, members: [] }))).toEqual([
      { groupId: 'g', effectiveFrom: 0, deleted: true, members: [] },
    ]);
  });

  it('refuses text that is not JSON', () => {
    const error = refusal('{"groups": [');
    expect(error.code).toBe('GROUPS_MALFORMED_JSON');
    expect(error.retriable).toBe(false);
    expect(error.message).toMatch(/^not valid JSON: /);
  });

  it.each([
    ['[]', '(root): must be an object with a "groups" array'],
    ['{"groups": {}}', '(root): must be an object with a "groups" array'],
    [groups('g1'), 'groups[0]: must be an object'],
    [groups({ members: [] }), 'groups[0].mRID: must be a non-empty string'],
    [groups({ mRID: '', members: [] }), 'groups[0].mRID: must be a non-empty string'],
    [groups({ mRID: 7, members: [] }), 'groups[0].mRID: must be a non-empty string'],
    [groups({ mRID: 'g', name: 12, members: [] }), 'groups[0].name: must be a string'],
    [
      groups({ mRID: 'g', members: [] }, { mRID: 'g', effectiveFrom: 1.5, members: [] }),
      'groups[1].effectiveFrom: must be an integer number of epoch milliseconds from 0 to 10413791999999',
    ],
    [
      groups({ mRID: 'g', effectiveFrom: -1, members: [] }),
      'groups[0].effectiveFrom: must be an integer number of epoch milliseconds from 0 to 10413791999999',
    ],
    [
      groups({ mRID: 'g', effectiveFrom: '0', members: [] }),
      'groups[0].effectiveFrom: must be an integer number of epoch milliseconds from 0 to 10413791999999',
    ],
    [
      groups({ mRID: 'g', effectiveFrom: 10413791999999 + 1, members: [] }),
      'groups[0].effectiveFrom: must be an integer number of epoch milliseconds from 0 to 10413791999999',
    ],
    [groups({ mRID: 'g', deleted: 'yes' }), 'groups[0].deleted: must be a boolean'],
    [
      groups({ mRID: 'g', deleted: true, members: [{ deviceId: 'd1' }] }),
      'groups[0].members: must be absent or empty when deleted is true',
    ],
    [groups({ mRID: 'g' }), 'groups[0].members: must be an array (empty for a group without members)'],
    [groups({ mRID: 'g', members: ['d1'] }), 'groups[0].members[0]: must be an object'],
    [
      groups({ mRID: 'g', members: [{ deviceId: '' }] }),
      'groups[0].members[0].deviceId: must be a non-empty string',
    ],
    [
      groups({ mRID: 'g', members: [{ deviceId: 'd1' }, { deviceId: 'd2' }, { deviceId: 'd1' }] }),
      'groups[0].members[2].deviceId: duplicate of groups[0].members[0] ("d1")',
    ],
    [
      groups({ mRID: 'g', members: [{ deviceId: 'd1', ratedPower: 0 }] }),
      'groups[0].members[0].ratedPower: must be a positive number',
    ],
    [
      groups({ mRID: 'g', members: [{ deviceId: 'd1', ratedPower: '5000' }] }),
      'groups[0].members[0].ratedPower: must be a positive number',
    ],
    [
      groups({ mRID: 'g', members: [{ deviceId: 'd1', ratedEnergy: null }] }),
      'groups[0].members[0].ratedEnergy: must be a positive number',
    ],
  ])('refuses %s with GROUPS_INVALID', (text, message) => {
    const error = refusal(text);
    expect(error.code).toBe('GROUPS_INVALID');
    expect(error.message).toBe(message);
  });

  it('names the exact member and field at depth', () => {
    const text = groups(
      { mRID: 'a', members: [] },
      { mRID: 'b', members: [] },
      { mRID: 'c', members: [] },
      {
        mRID: 'd',
        members: [{ deviceId: 'd1' }, { deviceId: 'd2' }, { deviceId: 'd3', ratedEnergy: -13500 }],
      },
    );
    expect(refusal(text).message).toBe('groups[3].members[2].ratedEnergy: must be a positive number');
  });

  it('refuses a name no IEC message could carry, and an mRID or device id the HTTP API could not be asked for', () => {
    const cannot =
      'holds a character XML 1.0 cannot carry (a control character, U+FFFE, U+FFFF or a lone surrogate)';
    expect(refusal(groups({ mRID: 'g', name: 'west\uFFFE', members: [] })).message).toBe(
      `groups[0].name: "west\uFFFE" ${cannot}`,
    );
    const rule = 'is not an mRID of 1 to 256 printable characters';
    expect(refusal(groups({ mRID: 'feeder\u0001', members: [] })).message).toBe(
      `groups[0].mRID: "feeder\\u0001" ${rule}`,
    );
    expect(refusal(groups({ mRID: 'feeder\t12', members: [] })).message).toBe(
      `groups[0].mRID: "feeder\\t12" ${rule}`,
    );
    expect(refusal(groups({ mRID: 'g'.repeat(257), members: [] })).message).toBe(
      `groups[0].mRID: "${'g'.repeat(257)}" ${rule}`,
    );
    // A lone surrogate: JSON can escape one, UTF-8 and XML cannot carry it.
    expect(refusal('{"groups": [{"mRID": "g", "members": [{"deviceId": "inv-\\ud800"}]}]}').message).toBe(
      `groups[0].members[0].deviceId: "inv-\\ud800" ${rule}`,
    );
    const fine = {
      mRID: `zone Ü/ß & <north> 🔋${'x'.repeat(235)}`,
      name: 'line\nbreak\tand tab',
      members: [{ deviceId: 'inv-\uFFFD' }],
    };
    expect(parseGroupsJson(groups(fine))).toMatchObject([
      { groupId: fine.mRID, name: fine.name, members: [{ deviceId: 'inv-\uFFFD' }] },
    ]);
  });

  it('refuses an infinite nameplate (1e999 parses to Infinity)', () => {
    const text = '{"groups": [{"mRID": "g", "members": [{"deviceId": "d", "ratedPower": 1e999}]}]}';
    expect(refusal(text).message).toBe('groups[0].members[0].ratedPower: must be a positive number');
  });
});
