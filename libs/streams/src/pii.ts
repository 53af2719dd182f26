/**
 * Personal data (PII) never goes into a log line, a logged error or a metric label.
 *
 * Documents carry buyers', payers' and consignees' id numbers, names, telephone numbers and
 * addresses. The runtime and the services never log a document on purpose, and errors that could
 * quote one are written without the value at their source (codec, serdes). This module is the
 * defence in depth behind that, for what slips through (an exception from a processor or a
 * library that quotes its input):
 *  - {@link piiRedaction}: pino options every service logger is created with: `redact` paths for
 *    the personal fields at depths 0 and 1 ({@link PII_REDACT_DEPTH}); a log formatter that walks
 *    each logged object (censors personal keys at any depth, scrubs strings, turns errors into
 *    {@link redactError} and byte buffers into their length); `err` / `error` serializers; a hook
 *    that scrubs the message text.
 *  - {@link scrubPii}: text with personal values replaced by `[redacted]`: values after a personal
 *    field name (`buyerName = ...`, `"buyerName":"..."`), Chinese resident id numbers, telephone
 *    numbers, the input snippet V8 quotes in a JSON.parse error.
 *  - {@link scrubErrorText}: an error message for logs and DLQ reasons: {@link scrubPii}, and
 *    every quoted literal that is not a plain lower-case identifier (a topic, a store) as well,
 *    since that is how a message quotes a value (`JSON.stringify(value)`).
 *
 * A name or an address in free text that no field name introduces cannot be recognized by a
 * pattern: code must not put one there (see libs/streams/README.md, "PII in logs").
 */
import type { LoggerOptions } from 'pino';

/** Fields of the schemas (schemas/*.avsc) that hold personal data. */
export const PII_FIELDS: ReadonlyArray<string> = [
  'buyerIdNumber',
  'buyerName',
  'buyerTelephone',
  'buyerRegNo',
  'payerIdNumber',
  'payerName',
  'telephone',
  'consignee',
  'consigneeTelephone',
  'consigneeAddress',
  'ebcTelephone',
];

/** What a personal value is replaced with. */
export const PII_CENSOR = '[redacted]';

/**
 * Deepest level the `redact` paths reach: `buyerName` and `*.buyerName` (a document logged as a
 * field). Deeper levels are left to the log formatter's walk ({@link scrubLogObject}, any depth):
 * @pinojs/redact pays for each wildcard path on every line (measured here: a line costs 0.7 µs
 * without redaction, 1 µs with the top-level paths, 27 µs with one wildcard level, 160 µs with
 * five; the walk costs 1-2 µs).
 */
export const PII_REDACT_DEPTH = 1;

const snake = (camel: string): string => camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const normalized = (key: string): string => key.replace(/[_-]/g, '').toLowerCase();
const PII_KEYS = new Set(PII_FIELDS.map(normalized));

/** Whether an object key names a personal field (`buyerName`, `buyer_name`, `BUYER-NAME`, ...). */
export function isPiiKey(key: string): boolean {
  return PII_KEYS.has(normalized(key));
}

/** pino / @pinojs/redact paths of the personal fields (camelCase and snake_case) at depths 0..depth. */
export function piiRedactPaths(
  fields: ReadonlyArray<string> = PII_FIELDS,
  depth = PII_REDACT_DEPTH,
): string[] {
  const names = [...new Set(fields.flatMap((f) => [f, snake(f)]))];
  const paths: string[] = [];
  for (let d = 0; d <= depth; d++) for (const n of names) paths.push(`${'*.'.repeat(d)}${n}`);
  return paths;
}

// --- text ------------------------------------------------------------------------------------

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const KEY_NAMES = [...new Set(PII_FIELDS.flatMap((f) => [f, snake(f)]))]
  .sort((a, b) => b.length - a.length)
  .map(escapeRe)
  .join('|');
/**
 * A personal field name (alone or at the end of a path, bare or quoted, JSON-escaped quotes too)
 * followed by `:` or `=` and its value: a quoted string (escaped quotes too) or what runs up to
 * the next separator.
 */
const KEYED = new RegExp(
  `(^|[^A-Za-z0-9_])(\\\\?["']?)(${KEY_NAMES})\\2(\\s*[:=]\\s*)` +
    `(\\\\"(?:[^"\\\\]|\\\\[^"])*?\\\\"|"(?:[^"\\\\]|\\\\.)*"|'(?:[^'\\\\]|\\\\.)*'|[^;&"\\\\\\n\\r)\\]}]*)`,
  'gi',
);
const NOT_ALNUM_BEFORE = '(?<![0-9A-Za-z])';
const NOT_ALNUM_AFTER = '(?![0-9A-Za-z])';
/** Resident id card numbers: 18 characters (region, birth date, sequence, check), the old 15 digits. */
const ID_NUMBER = new RegExp(
  `${NOT_ALNUM_BEFORE}(?:[1-9]\\d{5}(?:18|19|20)\\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\\d|3[01])\\d{3}[0-9Xx]` +
    `|[1-9]\\d{7}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\\d|3[01])\\d{3})${NOT_ALNUM_AFTER}`,
  'g',
);
/** Mainland mobiles (+86 optional, grouped or not), landlines with an area code, +CC numbers. */
const PHONE = new RegExp(
  `${NOT_ALNUM_BEFORE}(?:(?:\\+?86[- ]?)?1[3-9]\\d[- ]?\\d{4}[- ]?\\d{4}` +
    `|\\(?0\\d{2,3}\\)?[- ]\\d{7,8}|0\\d{2,3}-\\d{7,8}` +
    `|\\+\\d{1,3}[- ]?\\(?\\d{1,4}\\)?[- ]?\\d{3,4}[- ]?\\d{3,5})${NOT_ALNUM_AFTER}`,
  'g',
);
/** The input V8 quotes in a JSON.parse error (`Unexpected token 'x', "..." is not valid JSON`). */
const JSON_SNIPPET = /(?:Unexpected token '[^]{0,2}', )?(?:\.\.\.)?"[^]*?"(?:\.\.\.)? is not valid JSON/g;

/** `text` with personal values replaced by `[redacted]` (the same string when there is none). */
export function scrubPii(text: string): string {
  if (text.length < 7) return text;
  let out = text;
  if (out.includes(' is not valid JSON'))
    out = out.replace(JSON_SNIPPET, `input ${PII_CENSOR} is not valid JSON`);
  out = out.replace(KEYED, (_m, before: string, quote: string, key: string, sep: string, value: string) => {
    const q = value.startsWith('\\"')
      ? '\\"'
      : value.startsWith('"')
        ? '"'
        : value.startsWith("'")
          ? "'"
          : '';
    return `${before}${quote}${key}${quote}${sep}${q}${PII_CENSOR}${q}`;
  });
  if (/\d{7}/.test(out)) out = out.replace(ID_NUMBER, PII_CENSOR).replace(PHONE, PII_CENSOR);
  return out;
}

/** Quoted literals kept in error texts: lower-case identifiers (topics, stores, serdes), short numbers. */
const SAFE_LITERAL = /^(?:[a-z][a-z0-9]*(?:[._\-/][a-z0-9]+)*|-?\d{1,6}(?:\.\d+)?)$/;
/** A quoted literal, and whether a `:` follows it (a JSON key: kept when it is an identifier). */
const QUOTED = /"((?:[^"\\\n]|\\.)*)"(\s*:)?/g;
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * An error message as logs and dead-letter reasons carry it: {@link scrubPii}, and every double-
 * quoted literal other than a plain lower-case identifier replaced as well (a message quotes a
 * value that way: `items[0].qty: "13800000000 Zhang" is not a valid CEB decimal`).
 */
export function scrubErrorText(text: string): string {
  const out = scrubPii(text);
  if (!out.includes('"')) return out;
  return out.replace(QUOTED, (m, inner: string, colon: string | undefined) =>
    inner === PII_CENSOR || inner === '' || SAFE_LITERAL.test(inner) || (colon && IDENTIFIER.test(inner))
      ? m
      : `"${PII_CENSOR}"${colon ?? ''}`,
  );
}

// --- objects ---------------------------------------------------------------------------------

/** Error properties kept (scrubbed) in a logged error; any other string or object property is censored. */
const ERROR_FIELDS = new Set([
  'code',
  'errno',
  'syscall',
  'type',
  'name',
  'retriable',
  'retryCount',
  'retryTime',
  'broker',
  'topic',
  'partition',
  'offset',
  'groupId',
  'memberId',
  'kind',
  'reason',
  'field',
  'problem',
  'paths',
  'severity',
  'routine',
  'schema',
  'table',
  'column',
  'constraint',
  'helpUrl',
  'status',
  'statusCode',
  'record',
]);
const NESTED_ERRORS = new Set(['cause', 'originalError', 'errors']);

/**
 * A logged form of an error that cannot carry personal data: type, message and stack scrubbed
 * ({@link scrubErrorText}), the cause chain the same way, known diagnostic properties (code,
 * broker, topic, partition, ...) scrubbed, numbers and booleans kept, any other string or object
 * property censored (a pg error's `detail`, a domain error's `value`, a rejection's `details`).
 */
export function redactError(error: unknown, depth = 0): Record<string, unknown> {
  if (!(error instanceof Error)) {
    if (error !== null && typeof error === 'object')
      return scrubObject(error as Record<string, unknown>, depth) as Record<string, unknown>;
    return { type: typeof error, message: scrubErrorText(String(error)) };
  }
  const out: Record<string, unknown> = {
    type: error.constructor?.name ?? error.name,
    message: scrubErrorText(error.message ?? ''),
  };
  if (typeof error.stack === 'string') out.stack = scrubErrorText(error.stack);
  const source = error as unknown as Record<string, unknown>;
  for (const key of Object.keys(source)) {
    if (key in out) continue;
    const v = source[key];
    if (v === undefined || typeof v === 'function') continue;
    if (isPiiKey(key)) out[key] = PII_CENSOR;
    else if (NESTED_ERRORS.has(key))
      out[key] =
        depth >= 4
          ? '[...]'
          : Array.isArray(v)
            ? v.map((e) => redactError(e, depth + 1))
            : redactError(v, depth + 1);
    else if (ERROR_FIELDS.has(key)) out[key] = scrubValue(v, depth + 1, { budget: 200 }, true);
    else if (typeof v === 'number' || typeof v === 'boolean' || v === null)
      out[key] = scrubValue(v, depth + 1, { budget: 1 }, true);
    else out[key] = PII_CENSOR;
  }
  if (!('cause' in out) && error.cause !== undefined && depth < 4)
    out.cause = redactError(error.cause, depth + 1);
  return out;
}

const MAX_DEPTH = 16;

function scrubValue(v: unknown, depth: number, budget: { budget: number }, errorText = false): unknown {
  switch (typeof v) {
    case 'string':
      return errorText ? scrubErrorText(v) : scrubPii(v);
    case 'number':
    case 'bigint':
      return scrubPii(String(v)) !== String(v) ? PII_CENSOR : v;
    case 'object':
      break;
    default:
      return v;
  }
  if (v === null) return v;
  if (v instanceof Error) return redactError(v, 0);
  if (Buffer.isBuffer(v) || ArrayBuffer.isView(v)) return `[${(v as ArrayBufferView).byteLength} bytes]`;
  if (v instanceof ArrayBuffer) return `[${v.byteLength} bytes]`;
  if (depth >= MAX_DEPTH || --budget.budget < 0) return v;
  if (Array.isArray(v)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const s = scrubValue(v[i], depth + 1, budget, errorText);
      if (s !== v[i]) (copy ??= v.slice())[i] = s;
    }
    return copy ?? v;
  }
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function' || v instanceof Map || v instanceof Set)
    return v;
  return scrubObject(v as Record<string, unknown>, depth, budget, errorText);
}

function scrubObject(
  obj: Record<string, unknown>,
  depth: number,
  budget = { budget: 2000 },
  errorText = false,
): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(obj)) {
    const v = obj[key];
    const s = isPiiKey(key)
      ? v === null || v === undefined
        ? v
        : PII_CENSOR
      : scrubValue(v, depth + 1, budget, errorText);
    if (s !== v) (copy ??= { ...obj })[key] = s;
  }
  return copy ?? obj;
}

/**
 * A logged object with personal data removed at any depth (up to 16 levels and 2,000 values):
 * values of personal keys censored, strings scrubbed ({@link scrubPii}), errors as
 * {@link redactError}, byte buffers as their length. Answers the object itself when nothing changed.
 */
export function scrubLogObject<T extends object>(obj: T): T {
  return scrubObject(obj as Record<string, unknown>, 0) as T;
}

/** The `err` / `error` serializer: {@link redactError} for errors, {@link scrubLogObject} for the rest. */
export function piiErrorSerializer(value: unknown): unknown {
  if (value instanceof Error) return redactError(value);
  if (value !== null && typeof value === 'object') return scrubLogObject(value);
  return typeof value === 'string' ? scrubErrorText(value) : value;
}

type LogFn = (...args: unknown[]) => void;

/**
 * The pino options every logger of the project is created with:
 * `pino({ ...piiRedaction, name, level })`. See the module comment.
 */
export const piiRedaction: Pick<LoggerOptions, 'redact' | 'serializers' | 'formatters' | 'hooks'> = {
  redact: { paths: piiRedactPaths(), censor: PII_CENSOR },
  serializers: { err: piiErrorSerializer, error: piiErrorSerializer },
  formatters: {
    log: (obj) => scrubLogObject(obj),
    bindings: (bindings) => scrubLogObject(bindings),
  },
  hooks: {
    logMethod(args: unknown[], method: LogFn) {
      const first = args[0];
      let fromError: Error | undefined;
      if (first instanceof Error) fromError = first;
      else if (args.length === 1 && first !== null && typeof first === 'object') {
        const err = (first as { err?: unknown }).err;
        if (err instanceof Error && (first as { msg?: unknown }).msg === undefined) fromError = err;
      }
      // pino would log the error's message as the line's message as it is
      if (fromError && typeof args[1] !== 'string')
        args = [
          first instanceof Error ? { err: first } : first,
          scrubErrorText(fromError.message ?? ''),
          ...args.slice(1),
        ];
      const out = args.map((a) =>
        typeof a === 'string'
          ? scrubPii(a)
          : a !== first && a !== null && typeof a === 'object'
            ? scrubValue(a, 0, { budget: 2000 })
            : a,
      );
      return method.apply(this, out);
    },
  },
};
