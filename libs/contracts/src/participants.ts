import { createHash } from 'node:crypto';
import type { ParticipantRole } from './generated/types';
import { Topics, type TopicSpec } from './topics';

/**
 * How a participant (a platform, payment institution, carrier or list filer) connects: its principal, the
 * topics it writes its documents to and the feeds it reads. One place names them; the CLI
 * creates them, the ACLs grant them, the intake and feed services route by them.
 *
 *   input  in.<role>.<code>.<document>.v1     the participant writes (WRITE on the prefix in.<role>.<code>.)
 *   feed   feed.<role>.<code>.<kind>.v1       the participant reads  (READ on the prefix feed.<role>.<code>.)
 *
 * The intake service checks that each document names the topic's enterprise code and forwards
 * it to the shared topic (ceb.order.v1, ...); the feed service copies each receipt, decision and
 * inspection result to the feeds of the participants it concerns.
 */
export type { ParticipantRole };

export const PARTICIPANT_ROLES: ReadonlyArray<ParticipantRole> = ['PLATFORM', 'PAYER', 'CARRIER', 'AGENT'];

/** Documents a role files, each with the shared topic the intake forwards it to. */
export const ROLE_DOCUMENTS = {
  PLATFORM: { order: Topics.order },
  PAYER: { payment: Topics.payment },
  CARRIER: { waybill: Topics.waybill, departure: Topics.departure },
  /** the e-commerce enterprise or its customs agent: declaration lists (four-document mode) */
  AGENT: { list: Topics.list },
} as const satisfies Record<ParticipantRole, Record<string, TopicSpec<unknown>>>;

export type FeedKind = 'receipt' | 'decision' | 'inspection';

/**
 * Feeds a role reads: its receipts; platforms and carriers their decisions; carriers inspection
 * results. A list filer's feed holds the receipts of its lists (intake, match, then the decision's
 * code), which carry the outcome.
 */
export const ROLE_FEEDS: Record<ParticipantRole, ReadonlyArray<FeedKind>> = {
  PLATFORM: ['receipt', 'decision'],
  PAYER: ['receipt'],
  CARRIER: ['receipt', 'decision', 'inspection'],
  AGENT: ['receipt'],
};

/** A customs code (10 characters) or unified social credit code (18): letters and digits. */
export const ENTERPRISE_CODE = /^[0-9A-Za-z]{4,32}$/;

export function parseRole(role: string): ParticipantRole {
  const r = role.toUpperCase() as ParticipantRole;
  if (!PARTICIPANT_ROLES.includes(r)) {
    throw new Error(`unknown role '${role}': one of ${PARTICIPANT_ROLES.map((x) => x.toLowerCase()).join(', ')}`);
  }
  return r;
}

export function checkEnterpriseCode(code: string): string {
  if (!ENTERPRISE_CODE.test(code)) {
    throw new Error(`'${code}' is not an enterprise code (4-32 letters and digits, e.g. a 10-character customs code)`);
  }
  return code;
}

const lower = (role: ParticipantRole) => role.toLowerCase();

/**
 * What the registry keeps of a participant's CEB XML gateway API key: its SHA-256 in hex (the key
 * itself, 32 random bytes, is shown once by `participants add`; a digest of a random key of that
 * length cannot be reversed, so the registry topic may be read by the services).
 */
export function apiKeyDigest(apiKey: string): string {
  return createHash('sha256').update(apiKey, 'utf8').digest('hex');
}

/** Key of the participant's record on ref.participant.v1. */
export const participantKey = (role: ParticipantRole, code: string): string => `${role}:${code}`;

/**
 * The participant's Kafka principal (SCRAM user name): `<role>-<code>` in lower case, e.g.
 * `carrier-3301966l02` (on Kubernetes it is also the KafkaUser's and its Secret's name, which must
 * be lower case; customs codes differ in more than case).
 */
export const participantPrincipal = (role: ParticipantRole, code: string): string => `${lower(role)}-${code.toLowerCase()}`;

export interface ParticipantTopics {
  /** Prefix of every input topic (the participant's WRITE ACL). */
  inputPrefix: string;
  /** Prefix of every feed topic (the participant's READ ACL). */
  feedPrefix: string;
  /** Input topic per document it files, with the shared topic the intake forwards to. */
  inputs: Array<{ topic: string; document: string; target: TopicSpec<unknown> }>;
  /** Feed topic per kind it reads. */
  feeds: Partial<Record<FeedKind, string>>;
  /** Consumer groups it may use: `<principal>` and `<principal>.*`. */
  groupPrefix: string;
}

export function participantTopics(role: ParticipantRole, code: string): ParticipantTopics {
  const inputPrefix = `in.${lower(role)}.${code}.`;
  const feedPrefix = `feed.${lower(role)}.${code}.`;
  const docs = ROLE_DOCUMENTS[role] as Record<string, TopicSpec<unknown>>;
  return {
    inputPrefix,
    feedPrefix,
    inputs: Object.entries(docs).map(([document, target]) => ({ topic: `${inputPrefix}${document}.v1`, document, target })),
    feeds: Object.fromEntries(ROLE_FEEDS[role].map((k) => [k, `${feedPrefix}${k}.v1`])),
    groupPrefix: participantPrincipal(role, code),
  };
}

/** Prefix of every participant input topic (the intake reads them all) and of every feed (the feed service writes them). */
export const PARTICIPANT_INPUT_PREFIX = 'in.';
export const PARTICIPANT_FEED_PREFIX = 'feed.';
