import {
  decodeDeviceReading,
  DeviceReadingRecordError,
  encodeDeviceReading,
} from '../../../pipelines/aggregate/deviceReadingRecord';
import { reading } from '../../support/readings';

describe('the records of the device readings changelog', () => {
  it('carry a reading and its offset exactly, the device id as the key', () => {
    const records = [
      { offset: 0n, reading: reading('inv-1', 1_796_000_000_123, { activePower: -0.1 }) },
      {
        offset: 2n ** 62n + 5n,
        reading: reading('bat-ü', 1_796_000_060_000, {
          activePower: 4999.999,
          reactivePower: -12.5,
          voltage: 230.4,
          stateOfCharge: 0,
          maxActivePower: 5000,
          minActivePower: -5000,
          connected: false,
        }),
      },
      { offset: 17n, reading: reading('ev-3', 1_796_000_000_000, { voltage: 1e-300, minActivePower: 0 }) },
    ];
    for (const record of records) {
      const value = encodeDeviceReading(record);
      expect(decodeDeviceReading(record.reading.deviceId, value)).toEqual(record);
    }
    // A field present or absent is told by its flag, not its value: 0 stays 0, null stays null.
    const lengths = records.map((record) => encodeDeviceReading(record).length);
    expect(lengths).toEqual([26, 66, 42]);
  });

  it('lays a record out as documented, so that records already on the topic stay readable', () => {
    const value = Buffer.alloc(26 + 16);
    value[0] = 1;
    value.writeBigInt64LE(123_456_789_012n, 1);
    value.writeDoubleLE(1_796_000_000_500, 9);
    value.writeDoubleLE(-750.25, 17);
    // connected, then voltage and minActivePower present (bits 2 and 5).
    value[25] = 0b100101;
    value.writeDoubleLE(229.9, 26);
    value.writeDoubleLE(-3000, 34);
    expect(decodeDeviceReading('bat-7', value)).toEqual({
      offset: 123_456_789_012n,
      reading: reading('bat-7', 1_796_000_000_500, {
        activePower: -750.25,
        voltage: 229.9,
        minActivePower: -3000,
      }),
    });
  });

  it('takes a reading whose absent fields are undefined (a newer schema read in place) as null', () => {
    const { minActivePower: _absent, ...rest } = reading('inv-1', 1_796_000_000_000, { voltage: 231 });
    const value = encodeDeviceReading({ offset: 3n, reading: rest as ReturnType<typeof reading> });
    expect(decodeDeviceReading('inv-1', value).reading).toEqual(
      reading('inv-1', 1_796_000_000_000, { voltage: 231 }),
    );
  });

  it('reads the JSON records that versions before the binary form wrote', () => {
    const written = reading('inv-9', 1_796_000_000_000, { activePower: 12.5, stateOfCharge: 40 });
    const value = Buffer.from(JSON.stringify({ offset: '9007199254740993', reading: written }));
    expect(decodeDeviceReading('inv-9', value)).toEqual({ offset: 9007199254740993n, reading: written });
  });

  it('refuses a record in neither form with a typed, non-retriable error naming the device', () => {
    const good = encodeDeviceReading({ offset: 1n, reading: reading('inv-1', 1_796_000_000_000) });
    const cases: Buffer[] = [
      Buffer.alloc(0),
      Buffer.from([2, ...good.subarray(1)]),
      good.subarray(0, 25),
      Buffer.concat([good, Buffer.alloc(8)]),
      Buffer.from([...good.subarray(0, 25), 0x80]),
      Buffer.from('{"offset": 1, "reading": {}}'),
      Buffer.from('{"offset": "1"'),
    ];
    for (const value of cases) {
      let thrown: unknown;
      try {
        decodeDeviceReading('inv-1', value);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(DeviceReadingRecordError);
      expect(thrown).toMatchObject({ code: 'DEVICE_READING_RECORD_INVALID', retriable: false });
      expect((thrown as Error).message).toContain('device inv-1');
    }
  });
});
