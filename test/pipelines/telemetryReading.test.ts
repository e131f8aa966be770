import { canonicalReading } from '../../pipelines/telemetryReading';
import { reading } from '../support/readings';

describe('canonicalReading', () => {
  it('keeps the fields of SEMANTICS.md §1 alone, in their order, from a record that has more', () => {
    const given = reading('d1', 1_767_225_600_000, { activePower: 10, stateOfCharge: 55, voltage: null });
    const kept = canonicalReading({ ...given, frequency: 50 } as typeof given);
    expect(kept).toEqual(given);
    expect(JSON.stringify(kept)).toBe(JSON.stringify(given));
    expect(kept).not.toBe(given);
  });

  it('makes an absent nullable field null', () => {
    const given = reading('d1', 1_767_225_600_000, { activePower: 10, voltage: null });
    const { voltage: _voltage, stateOfCharge: _stateOfCharge, ...without } = given;
    expect(canonicalReading(without)).toEqual(given);
  });
});
