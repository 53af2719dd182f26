// @clearance/ceb-xml: the customs' CEB XML messages both ways (see libs/ceb-xml/README.md).
export { CEB_NAMESPACE } from './catalog';
export {
  CebFormatError,
  type BaseTransfer,
  type CebFormatCode,
  type CebMessage,
  type CebNode,
  type DocKind,
  type FieldProblem,
  type FiledDoc,
  type InboundMessageType,
  type ReturnItem,
  type ReturnMessageType,
} from './types';
export { parseCebMessage } from './parse';
export {
  toCebXml,
  renderReturnMessage,
  renderReturnBatch,
  renderFormatError,
  renderMessageReturn,
  FORMAT_RETURN_STATUS,
} from './render';
export {
  nodeReturn,
  returnForReceipt,
  returnForDecision,
  returnForInspection,
  describeProblems,
} from './returns';
export { CEB_MESSAGES } from './catalog.generated';
export type { CebMessageDef, CebElementDef, CebFieldDef } from './catalog-types';
