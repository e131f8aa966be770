import { messageReadings, readingJson } from '../../../pipelines/decode/messageReadings';
import { reading } from '../../support/readings';

describe('the readings of one telemetry message', () => {
  const options = { maxBatchReadings: 3, now: 1_767_225_600_000 };

  it('validates a single reading as index 0', () => {
    expect(messageReadings({ kind: 'reading', reading: reading('d1', 1) }, options)).toEqual({
      accepted: true,
      readings: [{ valid: true, reading: reading('d1', 1) }],
    });
    expect(
      messageReadings({ kind: 'reading', reading: { ...reading('d1', 1), stateOfCharge: 101 } }, options),
    ).toMatchObject({ accepted: true, readings: [{ valid: false, reason: 'STATE_OF_CHARGE_OUT_OF_RANGE' }] });
  });

  it('validates each reading of a batch on its own, at its index', () => {
    const result = messageReadings(
      {
        kind: 'batch',
        gatewayId: 'gw',
        readings: [reading('d1', 1), { ...reading('d2', 2), activePower: NaN }, reading('d3', 3)],
      },
      options,
    );
    expect(result).toMatchObject({
      accepted: true,
      readings: [
        { valid: true, reading: reading('d1', 1) },
        { valid: false, reason: 'NOT_FINITE' },
        { valid: true, reading: reading('d3', 3) },
      ],
    });
    expect(messageReadings({ kind: 'batch', gatewayId: 'gw', readings: [] }, options)).toEqual({
      accepted: true,
      readings: [],
    });
  });

  it('refuses a batch over the limit whole', () => {
    expect(
      messageReadings({ kind: 'batch', gatewayId: 'gw', readings: Array(4).fill(reading('d1', 1)) }, options),
    ).toEqual({
      accepted: false,
      reason: 'BATCH_TOO_LARGE',
      detail: 'batch of 4 readings from gateway gw, limit 3',
    });
  });

  it('writes a reading taken out of a batch as JSON, non-finite numbers as strings', () => {
    expect(JSON.parse(readingJson({ ...reading('d1', 1), activePower: NaN, voltage: -Infinity }))).toEqual({
      ...reading('d1', 1),
      activePower: 'NaN',
      voltage: '-Infinity',
    });
  });
});
