/**
 * Optional capability: stores that can tell readers, possibly in other processes, that a
 * session's log grew. Listeners receive the session id and its new `lastSeq`.
 */
export interface AppendNotifier {
  onAppend(listener: (sessionId: string, lastSeq: number) => void): () => void;
}

/** True when the store offers {@link AppendNotifier}. */
export function hasAppendNotifier<Store extends object>(store: Store): store is Store & AppendNotifier {
  return typeof (store as Partial<AppendNotifier>).onAppend === 'function';
}
