import type { Projection, ProjectionName } from '../sources';
import { declarationsProjection } from './declarations';
import { parcelsProjection } from './parcels';
import { returnsProjection } from './returns';
import { statisticsProjection } from './statistics';

export { declarationsProjection, parcelsProjection, returnsProjection, statisticsProjection };
export { lockOrder, numberRows, participantKey, returnRows } from './returns';
export type { NumberedReturn, ParticipantCount, ReturnDraft, ReturnKind, ReturnRole } from './returns';
export { receiptRank, statusName, statusOrder, STATUS_NAMES } from './parcels';

/** Every projection the projector can build, by name. */
export const PROJECTIONS: Readonly<Record<ProjectionName, Projection>> = {
  parcels: parcelsProjection,
  declarations: declarationsProjection,
  statistics: statisticsProjection,
  returns: returnsProjection,
};

export const PROJECTION_NAMES = Object.keys(PROJECTIONS) as ProjectionName[];

export function projectionByName(name: string): Projection {
  const p = (PROJECTIONS as Record<string, Projection | undefined>)[name];
  if (!p)
    throw new Error(`unknown projection ${JSON.stringify(name)}: one of ${PROJECTION_NAMES.join(', ')}`);
  return p;
}
