import {
  readingProblem,
  validateReading,
  validateReadingLine,
} from '../../../pipelines/decode/validateReading';

const good = {
  deviceId: 'd1',
  ts: 1_767_225_600_000,
  activePower: 1200,
  reactivePower: null,
  voltage: 230.1,
  stateOfCharge: 50,
  maxActivePower: 5000,
  minActivePower: -5000,
  connected: true,
};

describe('validateReading (SEMANTICS.md §1)', () => {
  it('accepts a valid reading and fills absent nullable fields with null', () => {
    expect(validateReading(good)).toEqual({ valid: true, reading: good });
    const {
      reactivePower: _r,
      voltage: _v,
      stateOfCharge: _s,
      maxActivePower: _x,
      minActivePower: _n,
      ...required
    } = good;
    expect(validateReading({ ...required, extra: 'dropped' })).toEqual({
      valid: true,
      reading: {
        ...required,
        reactivePower: null,
        voltage: null,
        stateOfCharge: null,
        maxActivePower: null,
        minActivePower: null,
      },
    });
  });

  it.each([
    ['deviceId missing', { ...good, deviceId: undefined }, 'MISSING_FIELD'],
    ['ts missing', { ...good, ts: null }, 'MISSING_FIELD'],
    ['activePower missing', { ...good, activePower: undefined }, 'MISSING_FIELD'],
    ['connected missing', { ...good, connected: undefined }, 'MISSING_FIELD'],
    ['ts not an integer', { ...good, ts: 1.5 }, 'WRONG_TYPE'],
    ['ts a string', { ...good, ts: '1767225600000' }, 'WRONG_TYPE'],
    ['deviceId a number', { ...good, deviceId: 7 }, 'WRONG_TYPE'],
    ['activePower a string', { ...good, activePower: '5' }, 'WRONG_TYPE'],
    ['connected a string', { ...good, connected: 'yes' }, 'WRONG_TYPE'],
    ['activePower NaN', { ...good, activePower: NaN }, 'NOT_FINITE'],
    ['voltage infinite', { ...good, voltage: Infinity }, 'NOT_FINITE'],
    ['ts infinite', { ...good, ts: -Infinity }, 'NOT_FINITE'],
    ['SoC above 100', { ...good, stateOfCharge: 100.5 }, 'STATE_OF_CHARGE_OUT_OF_RANGE'],
    ['SoC below 0', { ...good, stateOfCharge: -1 }, 'STATE_OF_CHARGE_OUT_OF_RANGE'],
    ['min above max', { ...good, minActivePower: 10, maxActivePower: 5 }, 'MIN_ABOVE_MAX'],
    ['an array', [good], 'WRONG_TYPE'],
  ])('refuses %s with %s', (_name, value, reason) => {
    expect(validateReading(value)).toMatchObject({ valid: false, reason });
  });

  it('accepts the edges: SoC 0 and 100, min equal to max', () => {
    for (const edge of [
      { stateOfCharge: 0 },
      { stateOfCharge: 100 },
      { minActivePower: 5, maxActivePower: 5 },
    ]) {
      expect(validateReading({ ...good, ...edge }).valid).toBe(true);
    }
  });

  it('checks the future tolerance only when given a clock', () => {
    const now = good.ts - 300_000;
    expect(validateReading(good, { now }).valid).toBe(true);
    expect(validateReading(good, { now: now - 1 })).toMatchObject({
      valid: false,
      reason: 'FUTURE_TIMESTAMP',
    });
    expect(validateReading(good, { now: now - 1, futureToleranceMs: 301_000 }).valid).toBe(true);
    expect(validateReading({ ...good, ts: 4_000_000_000_000 }).valid).toBe(true);
  });

  it('reads NDJSON lines: not JSON is UNDECODABLE, 1e999 is not finite', () => {
    expect(validateReadingLine('{"deviceId": "d1", "ts": 17')).toMatchObject({
      valid: false,
      reason: 'UNDECODABLE',
    });
    expect(
      validateReadingLine(JSON.stringify(good).replace('"activePower":1200', '"activePower":1e999')),
    ).toMatchObject({
      valid: false,
      reason: 'NOT_FINITE',
    });
    expect(validateReadingLine(JSON.stringify(good))).toEqual({ valid: true, reading: good });
  });
});

describe('readingProblem: a reading of the right types, checked in place', () => {
  const typed = { ...good, frequency: 50 };

  it('finds nothing wrong with a valid reading, whatever else it carries (an Avro record of a newer version)', () => {
    expect(readingProblem(typed)).toBeUndefined();
    expect(
      readingProblem({ ...typed, stateOfCharge: 0, minActivePower: 5, maxActivePower: 5 }),
    ).toBeUndefined();
  });

  it.each([
    ['an empty deviceId', { deviceId: '' }, 'WRONG_TYPE', 'deviceId must be a non-empty string'],
    ['ts not an integer', { ts: 1.5 }, 'WRONG_TYPE', 'ts must be an integer (epoch ms)'],
    ['ts beyond a safe integer', { ts: 2 ** 53 }, 'WRONG_TYPE', 'ts must be an integer (epoch ms)'],
    ['ts NaN', { ts: NaN }, 'NOT_FINITE', 'ts must be an integer (epoch ms)'],
    ['activePower NaN', { activePower: NaN }, 'NOT_FINITE', 'activePower is NaN'],
    ['reactivePower infinite', { reactivePower: Infinity }, 'NOT_FINITE', 'reactivePower is Infinity'],
    ['minActivePower infinite', { minActivePower: -Infinity }, 'NOT_FINITE', 'minActivePower is -Infinity'],
    [
      'SoC above 100',
      { stateOfCharge: 101 },
      'STATE_OF_CHARGE_OUT_OF_RANGE',
      'stateOfCharge 101 is outside 0..100',
    ],
    [
      'min above max',
      { minActivePower: 10, maxActivePower: 5 },
      'MIN_ABOVE_MAX',
      'minActivePower 10 is above maxActivePower 5',
    ],
  ])('finds %s', (_name, fields, reason, detail) => {
    expect(readingProblem({ ...typed, ...fields })).toEqual({ valid: false, reason, detail });
  });

  it('names the first non-finite number in field order', () => {
    expect(readingProblem({ ...typed, voltage: NaN, activePower: Infinity })).toMatchObject({
      detail: 'activePower is Infinity',
    });
    expect(readingProblem({ ...typed, maxActivePower: NaN, voltage: NaN })).toMatchObject({
      detail: 'voltage is NaN',
    });
  });

  it('checks the future tolerance only when given a clock', () => {
    expect(readingProblem(typed, { now: good.ts - 300_000 })).toBeUndefined();
    expect(readingProblem(typed, { now: good.ts - 300_001 })).toEqual({
      valid: false,
      reason: 'FUTURE_TIMESTAMP',
      detail: `ts ${good.ts} is 300001 ms ahead of the clock`,
    });
  });
});
