import { errors } from '../../errors.js';
import type { SessionEvent } from '../../model/event.js';
import type { NewInput, QueuedInput } from '../../model/records.js';
import { buildQueuedInput } from '../kit/session-record.js';
import type { ClaimInputsRequest } from '../port/claim-inputs-request.js';

/**
 * One session's input queue in `MemoryStore`, oldest first. It hands out its own records, not
 * copies: the store copies at its boundary. The `check…` methods change nothing, so an append can
 * run every check before its first write and stay all-or-nothing.
 */
export class MemoryInputQueue {
  private readonly inputs: QueuedInput[] = [];

  find(inputId: string): QueuedInput | undefined {
    return this.inputs.find((candidate) => candidate.id === inputId);
  }

  findByKey(idempotencyKey: string): QueuedInput | undefined {
    return this.inputs.find((candidate) => candidate.idempotencyKey === idempotencyKey);
  }

  /**
   * `enqueueInput`: the input queued with the same idempotency key when there is one (even on a
   * closed session, so a retry learns that its first attempt went through), else a new pending one.
   */
  enqueue(
    sessionId: string,
    input: NewInput,
    sessionClosed: boolean,
    at: () => string,
  ): { input: QueuedInput; created: boolean } {
    if (input.idempotencyKey) {
      const existing = this.findByKey(input.idempotencyKey);
      if (existing) return { input: existing, created: false };
    }
    if (sessionClosed) throw errors.sessionClosed(sessionId);
    const queued = buildQueuedInput(sessionId, input, at());
    if (this.find(queued.id)) throw errors.conflict(`input ${queued.id} exists`);
    this.inputs.push(queued);
    return { input: queued, created: true };
  }

  claim(request: ClaimInputsRequest): QueuedInput[] {
    const wanted = request.ids ? new Set(request.ids) : null;
    const claimed = this.inputs
      .filter((input) => input.status === 'pending' && (!wanted || wanted.has(input.id)))
      .slice(0, Math.max(0, request.max));
    for (const input of claimed) {
      input.status = 'claimed';
      input.claimToken = request.claimToken;
    }
    return claimed;
  }

  release(claimToken?: string): number {
    let released = 0;
    for (const input of this.inputs) {
      if (input.status !== 'claimed' || (claimToken !== undefined && input.claimToken !== claimToken)) continue;
      input.status = 'pending';
      input.claimToken = null;
      released++;
    }
    return released;
  }

  countPending(): number {
    return this.inputs.filter((input) => input.status === 'pending').length;
  }

  /** The inputs an append's `consumeInputIds` names; `conflict` for any that is not claimed. */
  checkConsumable(inputIds: readonly string[]): QueuedInput[] {
    return inputIds.map((inputId) => {
      const input = this.find(inputId);
      if (input?.status !== 'claimed') throw errors.conflict(`input ${inputId} is not claimed`);
      return input;
    });
  }

  /** `conflict` when an input a folded append records has an id or idempotency key already queued. */
  checkAppendable(appended: readonly QueuedInput[]): void {
    for (const input of appended) {
      const taken = this.inputs.some(
        (candidate) =>
          candidate.id === input.id ||
          (input.idempotencyKey !== null && candidate.idempotencyKey === input.idempotencyKey),
      );
      if (taken) throw errors.conflict(`input ${input.id} or its idempotency key is already queued`);
    }
  }

  /** Writes a checked append: records its new inputs and marks the consumed ones by their events. */
  commitAppend(appended: readonly QueuedInput[], consumed: readonly QueuedInput[], events: SessionEvent[]): void {
    this.inputs.push(...appended);
    for (const input of consumed) {
      const event = events.find((candidate) => candidate.type === 'input' && candidate.data.inputId === input.id);
      input.status = 'consumed';
      input.consumedSeq = event?.seq ?? null;
      input.consumedTurn = event?.turn ?? null;
    }
  }
}
