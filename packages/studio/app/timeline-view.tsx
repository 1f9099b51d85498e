import type { SessionEvent } from '@confab/client';
import { useVirtualizer } from '@tanstack/react-virtual';
import { type KeyboardEvent, type ReactNode, useEffect, useRef, useState } from 'react';
import { clock, duration, shortJson } from './format.js';
import { Icon } from './icons.js';
import type { TimelineRow } from './timeline.js';

/** What a row can ask of the session view. */
export interface TimelineActions {
  showJson: (title: string, value: unknown) => void;
  fork: (snapshotId: string) => void;
}

/**
 * The session's timeline as a virtualized list: only the rows in view (plus a few) are in the DOM,
 * so a 10,000-event session opens and scrolls like a short one. It follows the end while the
 * reader is there (live tail) and stays put when they scroll up. Arrow keys, Page Up/Down, Home
 * and End move through it once it has focus.
 */
export function TimelineView({ rows, actions }: { rows: TimelineRow[]; actions: TimelineActions }) {
  const scroller = useRef<HTMLDivElement>(null);
  const [following, setFollowing] = useState(true);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: (index) => (rows[index]?.kind === 'turn' ? 44 : 72),
    getItemKey: (index) => rows[index]?.key ?? index,
    overscan: 8,
  });

  useEffect(() => {
    if (following && rows.length > 0) virtualizer.scrollToIndex(rows.length - 1, { align: 'end' });
  }, [rows, following, virtualizer]);

  const onScroll = () => {
    const element = scroller.current;
    if (!element) return;
    setFollowing(element.scrollHeight - element.scrollTop - element.clientHeight < 80);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const element = scroller.current;
    if (!element || event.target !== element) return;
    const steps: Record<string, () => void> = {
      ArrowDown: () => element.scrollBy({ top: 60 }),
      ArrowUp: () => element.scrollBy({ top: -60 }),
      PageDown: () => element.scrollBy({ top: element.clientHeight * 0.9 }),
      PageUp: () => element.scrollBy({ top: -element.clientHeight * 0.9 }),
      Home: () => virtualizer.scrollToIndex(0),
      End: () => virtualizer.scrollToIndex(rows.length - 1, { align: 'end' }),
    };
    const step = steps[event.key];
    if (step) {
      event.preventDefault();
      step();
    }
  };

  return (
    <div className="timeline-wrap">
      <div
        ref={scroller}
        className="timeline"
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region takes focus so the keyboard can scroll it.
        tabIndex={0}
        role="log"
        aria-label={`Timeline, ${rows.length} entries`}
        aria-live="off"
        onScroll={onScroll}
        onKeyDown={onKeyDown}
        data-testid="timeline"
      >
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative', width: '100%' }}>
          {virtualizer.getVirtualItems().map((item) => {
            const row = rows[item.index];
            if (!row) return null;
            return (
              <div
                key={item.key}
                data-index={item.index}
                ref={virtualizer.measureElement}
                className="timeline-slot"
                style={{ transform: `translateY(${item.start}px)` }}
              >
                <Row row={row} actions={actions} />
              </div>
            );
          })}
        </div>
      </div>
      {!following && (
        <button
          type="button"
          className="jump"
          onClick={() => {
            setFollowing(true);
            virtualizer.scrollToIndex(rows.length - 1, { align: 'end' });
          }}
        >
          Jump to latest
        </button>
      )}
    </div>
  );
}

function Row({ row, actions }: { row: TimelineRow; actions: TimelineActions }) {
  if (row.kind === 'turn') return <TurnHeader row={row} actions={actions} />;
  if (row.kind === 'draft') {
    return (
      <article className="entry assistant streaming" data-testid="draft" aria-busy="true">
        <EntryHead label="assistant" detail="streaming…" />
        {row.reasoning && <p className="reasoning">{row.reasoning}</p>}
        <p className="text">
          {row.text}
          <span className="caret" aria-hidden="true" />
        </p>
      </article>
    );
  }
  return <EventEntry event={row.event} result={row.result} actions={actions} />;
}

function TurnHeader({ row, actions }: { row: Extract<TimelineRow, { kind: 'turn' }>; actions: TimelineActions }) {
  const start = row.start?.type === 'turn-start' ? row.start : null;
  const end = row.end?.type === 'turn-end' ? row.end : null;
  const usage = end?.data.usage;
  return (
    <div className="turn-header" data-testid="turn-header" data-turn={row.turn}>
      <h3>Turn {row.turn}</h3>
      {start && (
        <span className="chip" title={start.data.inputIds.join(', ')}>
          {start.data.inputCount} input{start.data.inputCount === 1 ? '' : 's'}
          {start.data.inputCount > 1 ? ' batched' : ''}
        </span>
      )}
      {start && <span className="chip mono">{start.data.model}</span>}
      {end ? (
        <>
          <span className={`badge stop-${end.data.stopReason}`} data-testid="stop-reason">
            {end.data.stopReason}
          </span>
          <span className="chip">{duration(end.data.durationMs)}</span>
          <span className="chip">
            {usage ? `${usage.inputTokens} in · ${usage.outputTokens} out · ${usage.totalTokens} tokens` : 'no usage'}
          </span>
          {end.data.snapshotId && (
            <button
              type="button"
              className="small-button"
              onClick={() => actions.fork(end.data.snapshotId ?? '')}
              aria-label={`Fork from the snapshot of turn ${row.turn}`}
            >
              <Icon name="fork" /> Fork here
            </button>
          )}
        </>
      ) : (
        <span className="badge running">running</span>
      )}
      <span className="spacer" />
      <RawButton title={`Turn ${row.turn} start and end`} value={[row.start, row.end]} actions={actions} />
    </div>
  );
}

function RawButton({ title, value, actions }: { title: string; value: unknown; actions: TimelineActions }) {
  return (
    <button
      type="button"
      className="icon-button"
      onClick={() => actions.showJson(title, value)}
      aria-label={`Raw JSON of ${title}`}
      title="Raw JSON"
    >
      <Icon name="braces" />
    </button>
  );
}

function EntryHead({ label, detail, children }: { label: string; detail?: string; children?: ReactNode }) {
  return (
    <header className="entry-head">
      <span className="entry-label">{label}</span>
      {detail && <span className="muted small">{detail}</span>}
      <span className="spacer" />
      {children}
    </header>
  );
}

function EventEntry({
  event,
  result,
  actions,
}: {
  event: SessionEvent;
  result?: SessionEvent;
  actions: TimelineActions;
}) {
  const title = `event ${event.seq} (${event.type})`;
  const head = (label: string, detail?: string) => (
    <EntryHead label={label} detail={detail}>
      <span className="muted small mono">
        #{event.seq} · {clock(event.at)}
      </span>
      <RawButton title={title} value={result ? [event, result] : event} actions={actions} />
    </EntryHead>
  );
  const common = { 'data-testid': `event-${event.type}`, 'data-seq': event.seq };
  switch (event.type) {
    case 'input':
      return (
        <article className="entry user" {...common}>
          {head('input', event.data.files?.length ? `${event.data.files.length} file(s)` : undefined)}
          <p className="text">{event.data.text}</p>
        </article>
      );
    case 'message':
      return (
        <article className={`entry ${event.data.role}`} {...common}>
          {head(event.data.role)}
          {event.data.reasoning && (
            <details className="reasoning">
              <summary>Reasoning</summary>
              <p>{event.data.reasoning}</p>
            </details>
          )}
          <p className="text">{event.data.text}</p>
        </article>
      );
    case 'tool-call': {
      const output = result?.type === 'tool-result' ? result.data : null;
      return (
        <article className="entry tool" {...common}>
          {head(
            `tool call · ${event.data.toolName}`,
            `${event.data.executor}${event.data.needsApproval ? ' · needs approval' : ''}`,
          )}
          <div className="kv">
            <span className="key">input</span>
            <code className="mono">{shortJson(event.data.input, 400)}</code>
          </div>
          <div className="kv">
            <span className="key">{output?.isError ? 'error' : 'result'}</span>
            {output ? (
              <code className={`mono ${output.isError ? 'error-text' : ''}`}>{shortJson(output.output, 400)}</code>
            ) : (
              <span className="muted">waiting…</span>
            )}
          </div>
        </article>
      );
    }
    case 'tool-result':
      return (
        <article className="entry tool" {...common}>
          {head(`tool result · ${event.data.toolName}`)}
          <code className="mono">{shortJson(event.data.output, 400)}</code>
        </article>
      );
    case 'tool-approval-request':
      return (
        <article className="entry approval" {...common}>
          {head(`approval requested · ${event.data.toolName}`)}
          <code className="mono">{shortJson(event.data.input, 400)}</code>
        </article>
      );
    case 'tool-approval':
      return (
        <article className="entry approval" {...common}>
          {head(event.data.approved ? 'approved' : 'denied', `scope ${event.data.scope}`)}
        </article>
      );
    case 'state-patch':
      return (
        <article className="entry meta" {...common}>
          {head('state patch', `version ${event.data.version}`)}
          <code className="mono">{shortJson(event.data.patch, 400)}</code>
        </article>
      );
    case 'artifact':
      return (
        <article className="entry meta" {...common}>
          {head(`artifact · ${event.data.name}`)}
          <code className="mono">{shortJson(event.data.value, 400)}</code>
        </article>
      );
    case 'compaction':
      return (
        <article className="entry compaction" {...common}>
          {head('compaction', `covers events 1–${event.data.throughSeq}`)}
          <p className="text">{event.data.summary}</p>
        </article>
      );
    case 'error':
      return (
        <article className="entry failure" {...common} role="alert">
          {head(`error · ${event.data.code}`)}
          <p className="text">{event.data.message}</p>
        </article>
      );
    case 'turn-end':
      return (
        <div className="turn-end" {...common}>
          <span>
            end of turn {event.turn}: <strong>{event.data.stopReason}</strong> · {duration(event.data.durationMs)}
          </span>
          <span className="spacer" />
          <RawButton title={title} value={event} actions={actions} />
        </div>
      );
    default:
      return (
        <article className="entry meta" {...common}>
          {head(event.type)}
          <code className="mono">{shortJson(event.data, 400)}</code>
        </article>
      );
  }
}
