import { EVENT_TYPES, type EventType, type SessionEvent } from 'confab';

/*
 * The on-disk form of one event: a single line of JSON whose keys are written in a fixed order,
 * `seq` first. The fixed prefix lets readers learn a line's seq without parsing the whole line,
 * which is what makes skipping to a position in a long log cheap.
 */

const SEQ_PREFIX = Buffer.from('{"seq":', 'utf8');
const COMMA = 0x2c;
const KNOWN_TYPES: ReadonlySet<string> = new Set<string>(EVENT_TYPES);

/** The line (with its newline) that stores `event`, under `sessionId` when given. */
export function encodeEventLine(event: SessionEvent, sessionId: string = event.sessionId): Buffer {
  const ordered = {
    seq: event.seq,
    sessionId,
    turn: event.turn,
    type: event.type,
    at: event.at,
    data: event.data,
  };
  return Buffer.from(`${JSON.stringify(ordered)}\n`, 'utf8');
}

/**
 * The seq of a stored line read from its prefix alone, or null when the line does not start the
 * way {@link encodeEventLine} writes (then only a full parse can tell).
 */
export function peekSeq(bytes: Buffer): number | null {
  if (bytes.byteLength <= SEQ_PREFIX.byteLength || bytes.compare(SEQ_PREFIX, 0, 7, 0, 7) !== 0) return null;
  let value = 0;
  let index = SEQ_PREFIX.byteLength;
  for (; index < bytes.byteLength && index < SEQ_PREFIX.byteLength + 16; index++) {
    const byte = bytes[index] as number;
    if (byte === COMMA) break;
    if (byte < 0x30 || byte > 0x39) return null;
    value = value * 10 + (byte - 0x30);
  }
  if (bytes[index] !== COMMA || index === SEQ_PREFIX.byteLength) return null;
  return Number.isSafeInteger(value) && value > 0 ? value : null;
}

const SESSION_ID_KEY = Buffer.from(',"sessionId":"', 'utf8');
const TURN_KEY = Buffer.from(',"turn":', 'utf8');
const TYPE_KEY = Buffer.from(',"type":"', 'utf8');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const CLOSING_BRACE = 0x7d;
/** Each event type with its bytes, to recognise a type in a line without decoding a string. */
const TYPE_BYTES = EVENT_TYPES.map((type) => ({ type, bytes: Buffer.from(`${type}"`, 'latin1') }));

/*
 * The prefix checks below index bytes in plain loops: Buffer's compare, indexOf and toString are
 * native calls whose overhead per line made peeking cost as much as the JSON.parse it avoids.
 */

/** True when `bytes` holds `expected` at `offset`. */
function holdsAt(bytes: Buffer, offset: number, expected: Buffer): boolean {
  if (offset + expected.length > bytes.length) return false;
  for (let index = 0; index < expected.length; index++) {
    if (bytes[offset + index] !== expected[index]) return false;
  }
  return true;
}

/** The offset just past the digits from `offset`, or -1 when there are none. */
function skipDigits(bytes: Buffer, offset: number): number {
  let index = offset;
  while (index < bytes.length && (bytes[index] as number) >= 0x30 && (bytes[index] as number) <= 0x39) index++;
  return index === offset ? -1 : index;
}

/**
 * The type of a stored line read from its prefix alone — `{"seq":N,"sessionId":"…","turn":N,"type":"…"`
 * exactly as {@link encodeEventLine} writes it — or null when the line does not start that way or
 * names no known type (then only a full parse can tell). It does not validate the rest of the
 * line: a caller that skips a line on its type skips it unparsed, and one that keeps it still
 * parses it. A line without its closing brace (a torn write) is always null, so a torn line is
 * never taken for valid on its prefix.
 */
export function peekType(bytes: Buffer): EventType | null {
  if (bytes[bytes.length - 1] !== CLOSING_BRACE || !holdsAt(bytes, 0, SEQ_PREFIX)) return null;
  let index = skipDigits(bytes, SEQ_PREFIX.length);
  if (index < 0 || !holdsAt(bytes, index, SESSION_ID_KEY)) return null;
  // Skip the session id, a JSON string: a quote ends it unless escaped.
  for (index += SESSION_ID_KEY.length; index < bytes.length; index++) {
    const byte = bytes[index] as number;
    if (byte === BACKSLASH) index++;
    else if (byte === QUOTE) break;
  }
  if (!holdsAt(bytes, index + 1, TURN_KEY)) return null;
  index = skipDigits(bytes, index + 1 + TURN_KEY.length);
  if (index < 0 || !holdsAt(bytes, index, TYPE_KEY)) return null;
  index += TYPE_KEY.length;
  for (const candidate of TYPE_BYTES) if (holdsAt(bytes, index, candidate.bytes)) return candidate.type;
  return null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The event a line stores, or null when the line is torn, garbage or not shaped like an event. */
export function parseEventLine(bytes: Buffer): SessionEvent | null {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return null;
  }
  if (!isRecord(value)) return null;
  const { seq, sessionId, turn, type, at, data } = value;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) return null;
  if (typeof turn !== 'number' || !Number.isSafeInteger(turn) || turn < 0) return null;
  if (typeof sessionId !== 'string' || typeof at !== 'string' || !isRecord(data)) return null;
  if (typeof type !== 'string' || !KNOWN_TYPES.has(type)) return null;
  return { seq, sessionId, turn, type: type as EventType, at, data } as SessionEvent;
}

/** A line's seq: from its prefix when possible, else from a full parse; null for a bad line. */
export function lineSeq(bytes: Buffer): number | null {
  return peekSeq(bytes) ?? parseEventLine(bytes)?.seq ?? null;
}
