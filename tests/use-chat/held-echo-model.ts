import type { LanguageModelV3, LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { createEchoModel } from 'confab/testing';

/**
 * A point where the model's answer waits until the test lets it go on, so "mid-answer" is a state
 * the test reaches by construction instead of by timing.
 */
export class Hold {
  private open!: () => void;
  private readonly opened = new Promise<void>((resolve) => {
    this.open = resolve;
  });
  private arrived!: () => void;
  /** Resolves when an answer has reached the hold and waits there. */
  readonly reached = new Promise<void>((resolve) => {
    this.arrived = resolve;
  });

  /** Lets the waiting answer go on. */
  release(): void {
    this.open();
  }

  /** Waits for {@link release}, or fails at once when `signal` aborts (a stop). */
  async wait(signal: AbortSignal | undefined): Promise<void> {
    this.arrived();
    signal?.throwIfAborted();
    await new Promise<void>((resolve, reject) => {
      const abort = () => reject(signal?.reason ?? new Error('aborted'));
      signal?.addEventListener('abort', abort, { once: true });
      void this.opened.then(() => {
        signal?.removeEventListener('abort', abort);
        resolve();
      });
    });
  }
}

/**
 * The contract's `echo` model (from `confab/testing`), in small deltas, whose next streamed answer
 * stops after `deltasBeforeHold` text deltas at the hold the test armed, if any.
 */
export function createHeldEchoModel(deltasBeforeHold: number): {
  model: LanguageModelV3;
  /** Arms a hold for the next answer that streams text. */
  hold(): Hold;
} {
  const echo = createEchoModel({ chunkSize: 4 });
  let armed: Hold | null = null;
  const model: LanguageModelV3 = {
    ...echo,
    async doStream(options) {
      const result = await echo.doStream(options);
      let deltas = 0;
      let hold: Hold | null = null;
      const held = new TransformStream<LanguageModelV3StreamPart, LanguageModelV3StreamPart>({
        async transform(part, controller) {
          if (part.type === 'text-delta' && ++deltas === deltasBeforeHold + 1 && armed) {
            hold = armed;
            armed = null;
          }
          if (hold && part.type === 'text-delta' && deltas === deltasBeforeHold + 1)
            await hold.wait(options.abortSignal);
          controller.enqueue(part);
        },
      });
      return { ...result, stream: result.stream.pipeThrough(held) };
    },
  };
  return {
    model,
    hold() {
      armed = new Hold();
      return armed;
    },
  };
}
