import {
  renderFormatError,
  renderReturnBatch,
  renderReturnMessage,
  CebFormatError,
  returnForReceipt,
} from '@clearance/ceb-xml';
import * as D from '@clearance/domain';
import { summarizeReturns } from './xml';

describe('summarizeReturns: the returns of a gateway answer, in document order', () => {
  const receipt = (status: string, docType: 'ORDER' | 'PAYMENT') =>
    ({
      guid: `R${status}${docType}`.padEnd(36, '0'),
      caseKey: 'EBP1:ORDER1',
      participant: docType === 'ORDER' ? 'EBP' : 'PAYER',
      participantCode: 'EBP1',
      docType,
      docGuid: 'D'.repeat(36),
      ebpCode: 'EBP1',
      orderNo: 'ORDER1',
      logisticsCode: null,
      logisticsNo: null,
      invtNo: null,
      returnStatus: status,
      returnTime: '20261207120000000',
      returnInfo: `status ${status}`,
      reasons: [],
    }) as Parameters<typeof returnForReceipt>[0];

  it('given a batch mixing message types, when summarized, then the returns keep the batch order', () => {
    const entries = [
      returnForReceipt(receipt('2', 'ORDER'), 'E'),
      returnForReceipt(receipt('2', 'PAYMENT'), 'E'),
      returnForReceipt(receipt('120', 'ORDER'), 'E'),
    ];
    const s = summarizeReturns(renderReturnBatch(entries, '3', false));
    expect(s.map((r) => [r.message, r.element, r.returnStatus])).toEqual([
      ['CEB304Message', 'OrderReturn', '2'],
      ['CEB404Message', 'ReceiptsReturn', '2'],
      ['CEB304Message', 'OrderReturn', '120'],
    ]);
    expect(s[0].fields.orderNo).toBe('ORDER1');
  });

  it('given a return message and a CEB900, when summarized, then each return is read with its fields', () => {
    const one = summarizeReturns(
      renderReturnMessage('CEB304Message', [
        {
          guid: 'G'.repeat(36),
          ebpCode: 'E',
          ebcCode: 'C',
          orderNo: 'O',
          returnStatus: '100',
          returnTime: '20261207120000000',
          returnInfo: 'bad',
        },
      ]),
    );
    expect(one).toMatchObject([
      { message: 'CEB304Message', element: 'OrderReturn', returnStatus: '100', returnInfo: 'bad' },
    ]);
    const err = summarizeReturns(
      renderFormatError(new CebFormatError('MALFORMED_XML', 'not XML'), D.SAMPLE_MATCH_TIME),
    );
    expect(err).toHaveLength(1);
    expect(err[0].element).toBe('MessageReturn');
    expect(Number(err[0].returnStatus)).toBeLessThan(0);
  });
});
