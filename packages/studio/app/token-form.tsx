import { type FormEvent, useEffect, useRef, useState } from 'react';
import { createClient, describeError } from './api.js';
import { Icon } from './icons.js';

/** Asks for the app's bearer token and checks it with one `GET /v1/sessions` before keeping it. */
export function TokenForm({ onToken }: { onToken: (token: string) => void }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [checking, setChecking] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const token = value.trim();
    if (!token) return;
    setChecking(true);
    setError(null);
    try {
      await createClient(token).sessions.list({ limit: 1 });
      onToken(token);
    } catch (thrown) {
      setError(describeError(thrown));
    } finally {
      setChecking(false);
    }
  };

  return (
    <main className="login">
      <form className="login-card" onSubmit={submit} aria-describedby="token-help">
        <div className="brand big">
          <span className="brand-mark">
            <Icon name="logo" size={22} />
          </span>
          Confab Studio
        </div>
        <label htmlFor="token">App token</label>
        <input
          ref={input}
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          placeholder="the bearer token confab serve printed"
          value={value}
          onChange={(event) => setValue(event.target.value)}
        />
        <p id="token-help" className="muted">
          Kept in this tab only (sessionStorage) and sent to this server's <code>/v1</code> API, nowhere else.
        </p>
        {error && (
          <p role="alert" className="error-text">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={checking || !value.trim()}>
          {checking ? 'Checking…' : 'Open Studio'}
        </button>
      </form>
    </main>
  );
}
