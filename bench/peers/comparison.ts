/**
 * The `peers` section of `npm run bench`: Confab against LangGraph's SQLite checkpointer and an
 * OpenAI Agents SDK SQLite session, on the same machine in the same run. Prints tables with
 * Confab/peer ratios (below 1: Confab costs less) and writes charts of cost against history length.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type ChartPoint, lineChartSvg } from '../lib/chart.js';
import { markdownTable } from '../lib/report.js';
import { type PeerConcurrentTurnsResult, peerConcurrentTurns } from '../scenarios/peer-concurrent-turns.js';
import { type PeerDiskBytesResult, peerDiskBytes } from '../scenarios/peer-disk-bytes.js';
import { type PeerLoadCostResult, peerLoadCost } from '../scenarios/peer-load-cost.js';
import { type PeerPersistCostResult, peerPersistCost } from '../scenarios/peer-persist-cost.js';
import { CONCURRENT_SYSTEMS, DISK_SYSTEMS, LOAD_SYSTEMS, PERSIST_SYSTEMS } from './index.js';
import type { PeerFactory, PeerSystem } from './peer.js';
import type { SamplingPlan } from './sampling.js';
import { concurrentTable, diskTable, loadTables, persistTables } from './tables.js';

/** What the section adds to the run's raw results and to its printed report. */
export interface PeerComparison {
  results: Record<string, unknown[]>;
  sections: string[];
}

interface Settings {
  historyLengths: number[];
  persist: SamplingPlan;
  load: SamplingPlan;
  diskTurns: number[];
  concurrent: { conversations: number[]; turns: number; rounds: number };
}

const QUICK: Settings = {
  historyLengths: [10, 1000],
  persist: { rounds: 4, warmup: 1, samples: 6 },
  load: { rounds: 4, warmup: 1, samples: 6 },
  diskTurns: [10, 100],
  concurrent: { conversations: [1, 64], turns: 4, rounds: 2 },
};

const FULL: Settings = {
  historyLengths: [10, 100, 1000, 10_000],
  persist: { rounds: 5, warmup: 2, samples: 6 },
  load: { rounds: 5, warmup: 1, samples: 6 },
  diskTurns: [10, 100, 500],
  concurrent: { conversations: [1, 16, 64], turns: 10, rounds: 3 },
};

/** Runs the three peer scenarios; `stamp` names the chart files (`<date>[-quick]`). */
export async function runPeerComparison(
  quick: boolean,
  stamp: string,
  log: (message: string) => void,
): Promise<PeerComparison> {
  const settings = quick ? QUICK : FULL;
  const systems = await describe([...new Set([...PERSIST_SYSTEMS, ...LOAD_SYSTEMS, ...DISK_SYSTEMS])]);
  const persist: PeerPersistCostResult[] = [];
  for (const history of settings.historyLengths) {
    persist.push(...(await peerPersistCost(PERSIST_SYSTEMS, history, settings.persist)));
    log(`peers persist ${history} done`);
  }
  const load: PeerLoadCostResult[] = [];
  for (const history of settings.historyLengths) {
    load.push(...(await peerLoadCost(LOAD_SYSTEMS, history, settings.load)));
    log(`peers load ${history} done`);
  }
  const disk: PeerDiskBytesResult[] = [];
  for (const factory of DISK_SYSTEMS) disk.push(...(await peerDiskBytes(factory, settings.diskTurns)));
  log('peers disk done');
  const concurrent: PeerConcurrentTurnsResult[] = [];
  for (const conversations of settings.concurrent.conversations) {
    concurrent.push(
      ...(await peerConcurrentTurns(CONCURRENT_SYSTEMS, {
        conversations,
        // One conversation alone gets more turns, so every cell times a comparable amount of work.
        turnsPerConversation: conversations === 1 ? settings.concurrent.turns * 8 : settings.concurrent.turns,
        historyMessages: 10,
        rounds: settings.concurrent.rounds,
      })),
    );
    log(`peers concurrent ${conversations} done`);
  }

  const samples = (plan: SamplingPlan) => `${plan.rounds} rounds × ${plan.samples} after ${plan.warmup} warm-up`;
  const charts = await writeCharts(stamp, persist, load, `${quick ? 'quick run, ' : ''}${process.version}`);
  return {
    results: {
      peerSystems: systems,
      peerPersistCost: persist,
      peerLoadCost: load,
      peerDiskBytes: disk,
      peerConcurrentTurns: concurrent,
      peerCharts: charts,
    },
    sections: [
      `## Peers: the systems compared\n\n${markdownTable(
        ['system', 'SQLite durability', 'fsync per commit', 'one turn writes'],
        systems.map((system) => [
          system.name,
          system.durability,
          system.fsyncPerCommit ? 'yes' : '**no**',
          system.turnWrites,
        ]),
      )}`,
      `## Peers: persist one turn vs history length (ms; ${samples(settings.persist)} per cell)\n\n${persistTables(persist)}\n\nChart: ${charts[0]}`,
      `## Peers: load a conversation for its next turn (ms; ${samples(settings.load)} per cell)\n\n${loadTables(load)}\n\nChart: ${charts[1]}`,
      `## Peers: bytes on disk after N turns written one by one (bytes)\n\n${diskTable(disk)}`,
      `## Peers: durable turns/s with many conversations at once (each starting at 10 messages; median of ${settings.concurrent.rounds} rounds)\n\n${concurrentTable(concurrent)}`,
    ],
  };
}

type SystemDescription = Pick<PeerSystem, 'name' | 'durability' | 'fsyncPerCommit' | 'turnWrites'>;

async function describe(factories: PeerFactory[]): Promise<SystemDescription[]> {
  const described: SystemDescription[] = [];
  for (const factory of factories) {
    const system = await factory();
    described.push({
      name: system.name,
      durability: system.durability,
      fsyncPerCommit: system.fsyncPerCommit,
      turnWrites: system.turnWrites,
    });
    await system.dispose();
  }
  return described.filter((system, index) => described.findIndex((other) => other.name === system.name) === index);
}

async function writeCharts(
  stamp: string,
  persist: PeerPersistCostResult[],
  load: PeerLoadCostResult[],
  note: string,
): Promise<string[]> {
  const directory = fileURLToPath(new URL('../results/', import.meta.url));
  mkdirSync(directory, { recursive: true });
  const point = (series: string, x: number, summary: { median: number; p10: number; p90: number }): ChartPoint => ({
    series,
    x,
    y: summary.median,
    low: summary.p10,
    high: summary.p90,
  });
  const charts = [
    {
      file: `${stamp}-persist-cost.svg`,
      title: 'Persist one chat turn: cost vs history length',
      yTitle: 'ms per turn (median, p10–p90)',
      points: persist.map((row) => point(row.system, row.historyMessages, row.msPerTurn)),
    },
    {
      file: `${stamp}-load-cost.svg`,
      title: 'Load a conversation for its next turn: cost vs history length',
      yTitle: 'ms per load (median, p10–p90)',
      points: load.map((row) => point(`${row.system} ${row.loader}`, row.historyMessages, row.msPerLoad)),
    },
  ];
  for (const chart of charts) {
    const svg = await lineChartSvg({
      title: chart.title,
      subtitle: `same machine, same run (${note}); log–log`,
      xTitle: 'history length (messages)',
      yTitle: chart.yTitle,
      points: chart.points,
    });
    writeFileSync(`${directory}${chart.file}`, svg);
  }
  return charts.map((chart) => `bench/results/${chart.file}`);
}
