import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const launcher = fileURLToPath(new URL('../bin/confab.js', import.meta.url));
const directory = mkdtempSync(join(tmpdir(), 'confab-telemetry-'));
const TOKEN = 'telemetry-test-token';

/** An OTLP/JSON span as the exporter sends it. */
interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
  status?: { code?: number };
}

/** A real OTLP/HTTP endpoint: collects every span POSTed to /v1/traces (JSON encoding). */
class OtlpReceiver {
  readonly spans: ExportedSpan[] = [];
  readonly contentTypes = new Set<string>();
  private server: Server | null = null;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        if (request.method === 'POST' && request.url === '/v1/traces') {
          this.contentTypes.add(String(request.headers['content-type']));
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
            resourceSpans: Array<{ scopeSpans: Array<{ spans: ExportedSpan[] }> }>;
          };
          for (const resource of body.resourceSpans) {
            for (const scope of resource.scopeSpans) this.spans.push(...scope.spans);
          }
        }
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async waitFor(predicate: (spans: ExportedSpan[]) => boolean, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.spans)) {
      if (Date.now() > deadline) throw new Error(`spans never arrived: ${this.spans.map((span) => span.name)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

function attribute(span: ExportedSpan, key: string): unknown {
  const value = span.attributes.find((entry) => entry.key === key)?.value;
  if (!value) return undefined;
  if ('stringValue' in value) return value.stringValue;
  if ('intValue' in value) return Number(value.intValue);
  if ('arrayValue' in value) {
    return (value.arrayValue as { values?: Array<{ stringValue?: string }> }).values?.map((entry) => entry.stringValue);
  }
  return Object.values(value)[0];
}

interface Started {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function serve(args: string[], env: Record<string, string>): Started {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('CONFAB_') && !name.startsWith('OTEL_')),
  );
  const child = spawn(
    process.execPath,
    [launcher, 'serve', '--port', '0', '--store', `sqlite:${join(directory, `${Date.now()}.db`)}`, ...args],
    { cwd: directory, env: { ...base, CONFAB_TOKENS: `default:${TOKEN}`, ...env }, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += String(chunk);
  });
  child.stderr.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

async function waitFor<T>(read: () => T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = read();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function listening(started: Started): Promise<string> {
  return waitFor(() => /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(started.stderr())?.[1], 'listening');
}

/** The JSON log lines written so far. */
function logLines(started: Started): Array<Record<string, unknown>> {
  return started
    .stdout()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const headers = (extra: Record<string, string> = {}) => ({
  authorization: `Bearer ${TOKEN}`,
  'content-type': 'application/json',
  ...extra,
});

async function createSession(url: string): Promise<string> {
  const response = await fetch(`${url}/v1/sessions`, { method: 'POST', headers: headers(), body: '{}' });
  return ((await response.json()) as { session: { id: string } }).session.id;
}

const receiver = new OtlpReceiver();
const running: Started[] = [];
beforeAll(() => receiver.start());
afterAll(async () => {
  for (const started of running) {
    started.child.kill('SIGKILL');
    await started.exited;
  }
  await receiver.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('confab serve telemetry', () => {
  it('exports GenAI spans over OTLP/HTTP under the incoming traceparent, and logs turns with request and trace ids', async () => {
    const server = serve(['--log-level', 'info'], {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    running.push(server);
    const url = await listening(server);
    expect(server.stderr()).toContain(`exporting traces over OTLP/HTTP to ${receiver.url}`);
    const sessionId = await createSession(url);
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parentSpanId = '00f067aa0ba902b7';
    // The echo model calls the unknown tool `lookup` (an error result), then answers the result.
    const turn = await fetch(`${url}/v1/sessions/${sessionId}/turns`, {
      method: 'POST',
      headers: headers({ traceparent: `00-${traceId}-${parentSpanId}-01`, 'x-request-id': 'req-telemetry-1' }),
      body: JSON.stringify({ input: '/tool lookup {"q":"x"}' }),
    });
    expect(turn.status).toBe(200);
    const body = (await turn.json()) as {
      turn: { events: Array<{ type: string; data: { toolCallId?: string } }>; stopReason: string };
    };
    expect(body.turn.stopReason).toBe('stop');
    const toolCallId = body.turn.events.find((event) => event.type === 'tool-call')?.data.toolCallId;
    expect(toolCallId).toMatch(/^call_/);

    await receiver.waitFor((spans) => spans.some((span) => span.name.startsWith('invoke_agent')));
    await receiver.waitFor((spans) => spans.some((span) => span.name === 'POST /v1/sessions/:id/turns'));
    expect([...receiver.contentTypes]).toEqual(['application/json']);
    const inTrace = receiver.spans.filter((span) => span.traceId === traceId);
    const http = inTrace.find((span) => span.name === 'POST /v1/sessions/:id/turns');
    expect(http).toBeDefined();
    expect(http?.parentSpanId).toBe(parentSpanId);
    expect(http?.kind).toBe(2); // SERVER
    expect(attribute(http as ExportedSpan, 'http.response.status_code')).toBe(200);
    expect(attribute(http as ExportedSpan, 'http.route')).toBe('/v1/sessions/:id/turns');

    const agent = inTrace.find((span) => span.name === 'invoke_agent agent') as ExportedSpan;
    expect(agent).toBeDefined();
    expect(agent.parentSpanId).toBe(http?.spanId);
    expect(attribute(agent, 'gen_ai.operation.name')).toBe('invoke_agent');
    expect(attribute(agent, 'gen_ai.agent.name')).toBe('agent');
    expect(attribute(agent, 'gen_ai.conversation.id')).toBe(sessionId);
    expect(attribute(agent, 'confab.turn.stop_reason')).toBe('stop');
    expect(attribute(agent, 'gen_ai.usage.input_tokens')).toBeGreaterThan(0);

    const chats = inTrace.filter((span) => span.name === 'chat echo');
    expect(chats).toHaveLength(2);
    for (const chat of chats) {
      expect(chat.parentSpanId).toBe(agent.spanId);
      expect(chat.kind).toBe(3); // CLIENT
      expect(attribute(chat, 'gen_ai.operation.name')).toBe('chat');
      expect(attribute(chat, 'gen_ai.request.model')).toBe('echo');
      expect(attribute(chat, 'gen_ai.provider.name')).toBe('confab');
      expect(attribute(chat, 'gen_ai.usage.input_tokens')).toBeGreaterThan(0);
      expect(attribute(chat, 'gen_ai.usage.output_tokens')).toBeGreaterThan(0);
    }
    expect(chats.map((chat) => attribute(chat, 'gen_ai.response.finish_reasons')).sort()).toEqual([
      ['stop'],
      ['tool_call'],
    ]);

    const tool = inTrace.find((span) => span.name === 'execute_tool lookup') as ExportedSpan;
    expect(tool).toBeDefined();
    expect(tool.parentSpanId).toBe(agent.spanId);
    expect(attribute(tool, 'gen_ai.operation.name')).toBe('execute_tool');
    expect(attribute(tool, 'gen_ai.tool.name')).toBe('lookup');
    expect(attribute(tool, 'gen_ai.tool.call.id')).toBe(toolCallId);
    expect(tool.status?.code).toBe(2); // ERROR: the tool is unknown

    // Turn start and end lines carry the session, the request id and the trace id.
    const ended = await waitFor(
      () => logLines(server).find((line) => line.msg === 'turn ended'),
      'the turn ended line',
    );
    expect(ended).toMatchObject({
      level: 30,
      event: 'turn.ended',
      sessionId,
      appId: 'default',
      turn: 1,
      stopReason: 'stop',
      requestId: 'req-telemetry-1',
      traceId,
    });
    expect(ended.durationMs).toEqual(expect.any(Number));
    expect(ended.usage).toMatchObject({ inputTokens: expect.any(Number), outputTokens: expect.any(Number) });
    const started = logLines(server).find((line) => line.msg === 'turn started');
    expect(started).toMatchObject({ event: 'turn.started', sessionId, turn: 1, requestId: 'req-telemetry-1', traceId });
    const request = logLines(server).find((line) => line.msg === 'request' && line.route === '/v1/sessions/:id/turns');
    expect(request).toMatchObject({ requestId: 'req-telemetry-1', traceId, status: 200 });

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });

  it('honours --max-running-turns and logs the refusal; --log-level warn drops info lines; no OTLP endpoint, no export', async () => {
    const before = receiver.spans.length;
    const server = serve(['--max-running-turns', '1'], { CONFAB_LOG_LEVEL: 'warn' });
    running.push(server);
    const url = await listening(server);
    expect(server.stderr()).not.toContain('exporting traces');
    const [first, second] = [await createSession(url), await createSession(url)];
    const streaming = await fetch(`${url}/v1/sessions/${first}/turns`, {
      method: 'POST',
      headers: headers({ accept: 'text/event-stream' }),
      body: JSON.stringify({ input: '/sleep 3000 slow' }),
    });
    expect(streaming.status).toBe(200);
    const reader = streaming.body?.getReader();
    await reader?.read(); // the turn runs: its first event arrived
    const refused = await fetch(`${url}/v1/sessions/${second}/turns`, {
      method: 'POST',
      headers: headers({ 'x-request-id': 'req-refused' }),
      body: JSON.stringify({ input: 'hello' }),
    });
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('unavailable');
    const line = await waitFor(() => logLines(server).find((entry) => entry.msg === 'refused'), 'the refusal line');
    expect(line).toMatchObject({ level: 40, code: 'unavailable', requestId: 'req-refused' });
    expect(String(line.reason)).toContain('limit of 1 running turns');
    await reader?.cancel();
    expect(logLines(server).filter((entry) => (entry.level as number) < 40)).toEqual([]);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(receiver.spans.length).toBe(before);
  });
});
