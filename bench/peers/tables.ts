import { formatNumber, markdownTable } from '../lib/report.js';
import type { PeerConcurrentTurnsResult } from '../scenarios/peer-concurrent-turns.js';
import type { PeerDiskBytesResult } from '../scenarios/peer-disk-bytes.js';
import type { PeerLoadCostResult } from '../scenarios/peer-load-cost.js';
import type { PeerPersistCostResult } from '../scenarios/peer-persist-cost.js';
import { PROMPT_LOADER } from './confab.js';
import { CONFAB, PERSIST_PAIRS } from './index.js';

/** The persist-cost tables: Confab/peer ratios of the pairs in `PERSIST_PAIRS`, then every cell. */
export function persistTables(rows: PeerPersistCostResult[]): string {
  const median = (system: string, history: number) =>
    rows.find((row) => row.system === system && row.historyMessages === history)?.msPerTurn.median;
  const histories = [...new Set(rows.map((row) => row.historyMessages))];
  const ratios = markdownTable(
    ['history (messages)', ...PERSIST_PAIRS.map(([confab, peer]) => `${confab} / ${peer}`)],
    histories.map((history) => [
      history,
      ...PERSIST_PAIRS.map(([confab, peer]) => ratio(median(confab, history), median(peer, history))),
    ]),
  );
  const detail = markdownTable(
    ['system', 'history (messages)', 'median ms', 'p10', 'p90', 'commits/turn'],
    rows.map((row) => [
      row.system,
      row.historyMessages,
      row.msPerTurn.median,
      row.msPerTurn.p10,
      row.msPerTurn.p90,
      row.commitsPerTurn ?? 'n/a',
    ]),
  );
  return `Confab/peer, median per turn (below 1: Confab is faster):\n\n${ratios}\n\n${detail}`;
}

/** The load-cost tables: Confab (plain and compacted) over each peer load, then every cell. */
export function loadTables(rows: PeerLoadCostResult[]): string {
  const median = (system: string, history: number, loader = 'readContext') =>
    rows.find((row) => row.system === system && row.historyMessages === history && row.loader === loader)?.msPerLoad
      .median ?? Number.NaN;
  const peerRows = rows.filter((row) => !row.system.startsWith(CONFAB));
  const ratios = markdownTable(
    [
      'history (messages)',
      'peer load',
      'Confab readContext / peer',
      `Confab ${PROMPT_LOADER} / peer`,
      'Confab readContext, compacted / peer',
    ],
    peerRows.map((row) => [
      row.historyMessages,
      `${row.system} ${row.loader}`,
      ratio(median(CONFAB, row.historyMessages), row.msPerLoad.median),
      ratio(median(CONFAB, row.historyMessages, PROMPT_LOADER), row.msPerLoad.median),
      ratio(median(`${CONFAB}-compacted`, row.historyMessages), row.msPerLoad.median),
    ]),
  );
  const detail = markdownTable(
    ['system', 'load', 'history (messages)', 'records loaded', 'median ms', 'p10', 'p90'],
    rows.map((row) => [
      row.system,
      row.loader,
      row.historyMessages,
      row.recordsLoaded,
      row.msPerLoad.median,
      row.msPerLoad.p10,
      row.msPerLoad.p90,
    ]),
  );
  return `Confab/peer, median per load (below 1: Confab is faster):\n\n${ratios}\n\n${detail}`;
}

/** The bytes-on-disk table, with Confab/peer ratios while open and after a WAL checkpoint. */
export function diskTable(rows: PeerDiskBytesResult[]): string {
  const confab = (turns: number) => rows.find((row) => row.system === CONFAB && row.turns === turns);
  return markdownTable(
    [
      'system',
      'turns',
      'messages',
      'database + WAL (open)',
      'of which WAL',
      'Confab/system (open)',
      'database after checkpoint',
      'bytes/message',
      'Confab/system (checkpointed)',
    ],
    rows.map((row) => [
      row.system,
      row.turns,
      row.messages,
      row.bytes.total,
      row.bytes.wal,
      ratio(confab(row.turns)?.bytes.total, row.bytes.total),
      row.checkpointedBytes,
      Math.round(row.bytesPerMessage),
      ratio(confab(row.turns)?.checkpointedBytes, row.checkpointedBytes),
    ]),
  );
}

/** Turns/s per system and number of conversations, with each peer's figure over Confab's runner's. */
export function concurrentTable(rows: PeerConcurrentTurnsResult[]): string {
  const confab = (conversations: number) =>
    rows.find((row) => row.system === `${CONFAB}-runner` && row.conversations === conversations);
  return markdownTable(
    [
      'system',
      'conversations at once',
      'turns',
      'turns/s (median)',
      'min',
      'max',
      'commits/turn',
      'Confab runner / system (time per turn)',
    ],
    rows.map((row) => [
      row.system,
      row.conversations,
      row.turns,
      row.turnsPerSecond,
      Math.min(...row.rounds),
      Math.max(...row.rounds),
      row.commitsPerTurn ?? 'n/a',
      ratio(row.turnsPerSecond, confab(row.conversations)?.turnsPerSecond),
    ]),
  );
}

/** Confab's figure over a peer's, with two significant digits even when far below 0.001. */
function ratio(confab: number | undefined, peer: number | undefined): string {
  const value = (confab ?? Number.NaN) / (peer ?? Number.NaN);
  return Number.isFinite(value) && value > 0 && value < 0.01 ? value.toPrecision(2) : formatNumber(value);
}
