/** Inline icons (bundled: the page loads nothing from elsewhere). Decorative: hidden from screen readers. */
const paths = {
  logo: 'M4 6h16M4 12h11M4 18h7',
  list: 'M8 6h13M8 12h13M8 18h13M3 6h.01M3 12h.01M3 18h.01',
  pulse: 'M3 12h4l3-8 4 16 3-8h4',
  back: 'M15 18l-6-6 6-6',
  braces: 'M8 3H7a2 2 0 0 0-2 2v5l-2 2 2 2v5a2 2 0 0 0 2 2h1M16 3h1a2 2 0 0 1 2 2v5l2 2-2 2v5a2 2 0 0 1-2 2h-1',
  fork: 'M6 3v6a6 6 0 0 0 6 6h0a6 6 0 0 0 6-6V3M12 15v6',
  send: 'M22 2L11 13M22 2l-7 20-4-9-9-4 20-7z',
  stop: 'M6 6h12v12H6z',
  close: 'M18 6L6 18M6 6l12 12',
  refresh: 'M21 12a9 9 0 1 1-3-6.7L21 8M21 3v5h-5',
  plus: 'M12 5v14M5 12h14',
} as const;

/** One stroke icon by name. */
export function Icon({ name, size = 16 }: { name: keyof typeof paths; size?: number }) {
  return (
    <svg
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      <path d={paths[name]} />
    </svg>
  );
}
