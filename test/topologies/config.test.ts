import { statusEvents } from '../../pipelines/translate/statusEvents';
import { loadConfig } from '../../topologies/config';

describe('loadConfig: the IEC settings', () => {
  it('defaults to the draft namespaces, 4 MiB requests, and no state-of-charge kind', () => {
    const { iec } = loadConfig({});
    expect(iec).toMatchObject({
      maxRequestBytes: 4 * 1024 * 1024,
      stateOfChargeKind: undefined,
      namespaces: {
        statuses: {
          profileNamespace: 'http://iec.ch/TC57/2017/DERGroupStatuses#',
          messageNamespace: 'http://iec.ch/TC57/2017/DERGroupStatusesMessage',
        },
        forecasts: { profileNamespace: 'http://iec.ch/TC57/2017/DERGroupForecasts#' },
      },
    });
  });

  it('names the published namespaces from DERSTREAM_IEC_NAMESPACE_BASE', () => {
    const { iec } = loadConfig({
      DERSTREAM_IEC_NAMESPACE_BASE: 'http://iec.ch/TC57/2020/',
      DERSTREAM_IEC_STATE_OF_CHARGE_KIND: 'stateOfCharge',
    });
    expect(iec.stateOfChargeKind).toBe('stateOfCharge');
    const [event] = statusEvents(
      [
        {
          groupId: 'g',
          windowStart: 0,
          windowEnd: 60_000,
          version: 1,
          members: 1,
          reporting: 1,
          fresh: 1,
          stale: 0,
          silent: 0,
          connected: 1,
          activePower: 1,
          reactivePower: null,
          maxActivePower: null,
          minActivePower: null,
          headroomUp: null,
          headroomDown: null,
          stateOfCharge: null,
          storedEnergy: null,
          voltageMin: null,
          voltageMax: null,
        },
      ],
      { source: 'x', timestamp: () => 0, ...iec.namespaces.statuses },
    );
    expect(event!.xml).toContain('xmlns:m="http://iec.ch/TC57/2020/DERGroupStatusesMessage"');
    expect(event!.xml).toContain('<DERGroupStatuses xmlns="http://iec.ch/TC57/2020/DERGroupStatuses#">');
  });

  it('refuses a namespace base that is not a URL, and a request limit below 1 KiB, naming the setting', () => {
    expect(() => loadConfig({ DERSTREAM_IEC_NAMESPACE_BASE: 'not a url' })).toThrow(
      /^DERSTREAM_IEC_NAMESPACE_BASE: /,
    );
    expect(() => loadConfig({ DERSTREAM_IEC_MAX_REQUEST_BYTES: '10' })).toThrow(
      /^DERSTREAM_IEC_MAX_REQUEST_BYTES: /,
    );
  });
});

describe('loadConfig: scale-out', () => {
  it('runs one instance with both stages unless DERSTREAM_SCALE_OUT=partials', () => {
    expect(loadConfig({}).scaleOut).toBeUndefined();
    expect(loadConfig({ DERSTREAM_SCALE_OUT: 'partials' }).scaleOut).toBe('partials');
  });

  it('refuses another value, and partials with an allowed lateness, naming the setting', () => {
    expect(() => loadConfig({ DERSTREAM_SCALE_OUT: 'yes' })).toThrow(
      /^DERSTREAM_SCALE_OUT: "yes" is not one of/,
    );
    expect(() => loadConfig({ DERSTREAM_SCALE_OUT: 'partials', DERSTREAM_LATENESS: '10s' })).toThrow(
      /^DERSTREAM_SCALE_OUT: partials needs DERSTREAM_LATENESS=0/,
    );
  });
});

describe('loadConfig: raw telemetry inserts', () => {
  it('inserts raw telemetry at most every second unless DERSTREAM_TELEMETRY_INSERT_EVERY says otherwise', () => {
    expect(loadConfig({}).telemetryInsertEveryMs).toBe(1000);
    expect(loadConfig({ DERSTREAM_TELEMETRY_INSERT_EVERY: '250ms' }).telemetryInsertEveryMs).toBe(250);
    expect(loadConfig({ DERSTREAM_TELEMETRY_INSERT_EVERY: '0' }).telemetryInsertEveryMs).toBe(0);
  });

  it('refuses what is not a duration, naming the setting', () => {
    expect(() => loadConfig({ DERSTREAM_TELEMETRY_INSERT_EVERY: 'often' })).toThrow(
      /^DERSTREAM_TELEMETRY_INSERT_EVERY: "often" is not a duration/,
    );
  });
});

describe('loadConfig: partition lead', () => {
  it('pauses a partition more than one window ahead unless DERSTREAM_MAX_PARTITION_LEAD says otherwise', () => {
    expect(loadConfig({}).maxPartitionLeadMs).toBe(60_000);
    expect(loadConfig({ DERSTREAM_WINDOW: '5m' }).maxPartitionLeadMs).toBe(300_000);
    expect(loadConfig({ DERSTREAM_MAX_PARTITION_LEAD: '90s' }).maxPartitionLeadMs).toBe(90_000);
    expect(loadConfig({ DERSTREAM_MAX_PARTITION_LEAD: '0' }).maxPartitionLeadMs).toBe(0);
  });

  it('refuses what is not a duration, naming the setting', () => {
    expect(() => loadConfig({ DERSTREAM_MAX_PARTITION_LEAD: 'a while' })).toThrow(
      /^DERSTREAM_MAX_PARTITION_LEAD: "a while" is not a duration/,
    );
  });
});

describe('loadConfig: Kafka fetch sizes', () => {
  it('fetches at most 1 MiB a partition and 2 MiB a fetch, as soon as there is a byte, unless told otherwise', () => {
    expect(loadConfig({}).kafka).toMatchObject({
      fetchBytesPerPartition: 1 << 20,
      fetchMaxBytes: 2 << 20,
      fetchMinBytes: 1,
    });
    expect(loadConfig({ DERSTREAM_KAFKA_FETCH_MIN_BYTES: '262144' }).kafka.fetchMinBytes).toBe(262144);
    expect(
      loadConfig({ DERSTREAM_KAFKA_FETCH_BYTES: '65536', DERSTREAM_KAFKA_FETCH_MAX_BYTES: '10485760' }).kafka,
    ).toMatchObject({ fetchBytesPerPartition: 65536, fetchMaxBytes: 10485760 });
  });

  it('refuses a least fetch larger than the most a fetch brings', () => {
    expect(() =>
      loadConfig({ DERSTREAM_KAFKA_FETCH_MIN_BYTES: '4194304', DERSTREAM_KAFKA_FETCH_MAX_BYTES: '2097152' }),
    ).toThrow(/^DERSTREAM_KAFKA_FETCH_MIN_BYTES: 4194304 is more than a fetch may bring/);
    expect(() => loadConfig({ DERSTREAM_KAFKA_FETCH_MIN_BYTES: '0' })).toThrow(
      /^DERSTREAM_KAFKA_FETCH_MIN_BYTES: /,
    );
  });

  it('refuses a size under 1 KiB or what is not a number, naming the setting', () => {
    expect(() => loadConfig({ DERSTREAM_KAFKA_FETCH_MAX_BYTES: '100' })).toThrow(
      /^DERSTREAM_KAFKA_FETCH_MAX_BYTES: /,
    );
    expect(() => loadConfig({ DERSTREAM_KAFKA_FETCH_MAX_BYTES: 'lots' })).toThrow(
      /^DERSTREAM_KAFKA_FETCH_MAX_BYTES: /,
    );
  });
});
