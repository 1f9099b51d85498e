import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@confab/server';
import { newId, newSecret, Pool, sha256Hex } from 'confab';
import type { BenchStore } from '../lib/stores.js';

/** The server's resident memory while one large file is uploaded to it. */
export interface UploadMemoryResult {
  store: string;
  /** `raw` body or `multipart/form-data`. */
  body: 'raw' | 'multipart';
  megabytes: number;
  /** RSS before the upload, after a GC, in MiB. */
  baselineMiB: number;
  /** Highest RSS seen while uploading (sampled every 10 ms), in MiB. */
  peakMiB: number;
  /** `peakMiB - baselineMiB`. */
  growthMiB: number;
  /** Process CPU time the upload took, in ms. */
  cpuMs: number;
  status: number;
}

const MIB = 1024 * 1024;

/** Writes `megabytes` MiB of incompressible bytes to a temporary file and returns its path. */
async function makeFile(directory: string, megabytes: number): Promise<string> {
  const path = join(directory, 'upload.bin');
  const out = createWriteStream(path);
  const block = Buffer.alloc(MIB);
  for (let index = 0; index < megabytes; index++) {
    for (let offset = 0; offset < MIB; offset += 4) block.writeUInt32LE((index * MIB + offset) >>> 0, offset);
    if (!out.write(block)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return path;
}

/** Runs curl (a separate process, so its memory is not counted) and resolves with the HTTP status. */
function curl(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', ...args]);
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += String(chunk);
    });
    child.on('error', reject);
    child.on('exit', () => resolve(Number(out)));
  });
}

/**
 * Uploads one `megabytes` MiB file to a real server over `bench.store` with curl and samples this
 * process's RSS meanwhile: how much of the file the server holds at once.
 */
export async function uploadMemory(
  bench: BenchStore,
  megabytes: number,
  body: 'raw' | 'multipart',
): Promise<UploadMemoryResult> {
  const directory = mkdtempSync(join(tmpdir(), 'confab-bench-upload-'));
  const path = await makeFile(directory, megabytes);
  const token = newSecret();
  await bench.store.createApp({ id: 'bench', name: 'bench' });
  await bench.store.createToken({ id: newId('tok'), appId: 'bench', tokenHash: await sha256Hex(token) });
  const pool = new Pool({ store: bench.store });
  const limit = (megabytes + 1) * MIB;
  const running = await serve({
    store: bench.store,
    pool,
    port: 0,
    limits: { maxFileBytes: limit, maxTurnFileBytes: limit, uploadBytesPerMinute: 0 },
    logger: false,
    metrics: false,
    requestTimeoutMs: 600_000,
  });
  try {
    globalThis.gc?.();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const baseline = process.memoryUsage.rss();
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage.rss());
    }, 10);
    const cpuBefore = process.cpuUsage();
    const url = `${running.url}/v1/files`;
    const auth = ['-H', `authorization: Bearer ${token}`];
    const status =
      body === 'raw'
        ? await curl([...auth, '-H', 'content-type: application/octet-stream', '-X', 'POST', '-T', path, url])
        : await curl([...auth, '-F', `file=@${path};type=application/octet-stream`, url]);
    const cpu = process.cpuUsage(cpuBefore);
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage.rss());
    return {
      store: bench.name,
      body,
      megabytes,
      baselineMiB: Math.round(baseline / MIB),
      peakMiB: Math.round(peak / MIB),
      growthMiB: Math.round((peak - baseline) / MIB),
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
      status,
    };
  } finally {
    await running.close();
    rmSync(directory, { recursive: true, force: true });
  }
}
