import { useEffect, useRef } from 'react';
import { Icon } from './icons.js';

/** A side drawer with raw JSON (a session event as the API sent it); Escape or the button closes it. */
export function JsonDrawer({ title, value, onClose }: { title: string; value: unknown; onClose: () => void }) {
  const closeButton = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    closeButton.current?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
      previous?.focus?.();
    };
  }, [onClose]);
  return (
    <aside className="drawer" role="dialog" aria-modal="false" aria-labelledby="drawer-title" data-testid="json-drawer">
      <div className="drawer-head">
        <h2 id="drawer-title">{title}</h2>
        <button ref={closeButton} type="button" className="icon-button" onClick={onClose} aria-label="Close raw JSON">
          <Icon name="close" />
        </button>
      </div>
      <pre className="json">{JSON.stringify(value, null, 2)}</pre>
    </aside>
  );
}
