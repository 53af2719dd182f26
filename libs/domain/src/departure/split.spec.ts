import { schemaByName, type Departure } from '@clearance/contracts';
import { sampleGuid, SAMPLE_CODES } from '../testing/samples';
import { departureReceipt, splitDeparture } from './split';

const departure = (overrides: Partial<Departure> = {}): Departure => ({
  guid: sampleGuid('departure-1'),
  appType: '1',
  appTime: '20261112090000',
  appStatus: '2',
  customsCode: '5141',
  copNo: 'COP-1',
  preNo: null,
  logisticsCode: SAMPLE_CODES.carrier,
  logisticsName: 'Sample Express',
  trafMode: '5',
  trafName: 'CA',
  voyageNo: 'CA987',
  billNo: '999-1',
  leaveTime: '20261112100000',
  msgCount: 1,
  msgSeqNo: 1,
  note: null,
  lines: [
    { gnum: 1, totalPackageNo: null, logisticsNo: 'LN000001', note: null },
    { gnum: 2, totalPackageNo: null, logisticsNo: 'LN000002', note: null },
  ],
  ...overrides,
});

describe('departure split', () => {
  it('gives one line per waybill with the departure header', () => {
    const s = splitDeparture(departure());
    expect(s.status).toBe('2');
    expect(s.errors).toEqual([]);
    expect(s.lines.map((l) => l.logisticsNo)).toEqual(['LN000001', 'LN000002']);
    expect(s.lines[0]).toEqual({
      departureGuid: sampleGuid('departure-1'),
      appType: '1',
      copNo: 'COP-1',
      customsCode: '5141',
      logisticsCode: SAMPLE_CODES.carrier,
      logisticsNo: 'LN000001',
      trafMode: '5',
      voyageNo: 'CA987',
      billNo: '999-1',
      leaveTime: '20261112100000',
    });
    s.lines.forEach((l) => expect(schemaByName('DepartureLine').type.isValid(l)).toBe(true));
  });

  it('reports repeated and empty waybill numbers and keeps the rest', () => {
    const s = splitDeparture(
      departure({
        lines: [
          { gnum: 1, totalPackageNo: null, logisticsNo: 'LN000001', note: null },
          { gnum: 2, totalPackageNo: null, logisticsNo: 'LN000001', note: null },
          { gnum: 3, totalPackageNo: null, logisticsNo: ' ', note: null },
        ],
      }),
    );
    expect(s.status).toBe('2');
    expect(s.lines).toHaveLength(1);
    expect(s.errors.map((e) => e.code)).toEqual(['DUPLICATE_WAYBILL_IN_DEPARTURE', 'MISSING_FIELD']);
  });

  it('rejects a departure with a bad header, with no lines', () => {
    const s = splitDeparture(departure({ leaveTime: '2026', msgSeqNo: 2, guid: 'x', lines: [] }));
    expect(s.status).toBe('100');
    expect(s.lines).toEqual([]);
    expect(s.errors.map((e) => e.code)).toEqual([
      'INVALID_GUID',
      'INVALID_FIELD',
      'INVALID_FIELD',
      'MISSING_FIELD',
    ]);
  });

  it('a saved departure takes no part', () => {
    expect(splitDeparture(departure({ appStatus: '1' }))).toEqual({ status: '1', lines: [], errors: [] });
  });

  it('answers the carrier with a receipt keyed by the departure key', () => {
    const d = departure();
    const r = departureReceipt(d, splitDeparture(d), Date.UTC(2026, 10, 12, 2));
    expect(r).toMatchObject({
      caseKey: `${SAMPLE_CODES.carrier}:COP-1`,
      participant: 'CARRIER',
      docType: 'DEPARTURE',
      returnStatus: '2',
      returnInfo: 'departure accepted: 2 waybill(s)',
    });
    expect(schemaByName('Receipt').type.isValid(r)).toBe(true);
  });
});
