/**
 * The client SDK against a running `confab serve` (npm start). Run with:
 *   CONFAB_TOKEN=<the printed token> npx tsx --conditions=confab-source examples/client.ts
 */
import { ConfabClient } from '@confab/client';

const client = new ConfabClient({
  baseUrl: process.env.CONFAB_URL ?? 'http://127.0.0.1:8787',
  token: process.env.CONFAB_TOKEN ?? '',
});
const session = await client.sessions.create({
  clientSessionId: `example-${Date.now()}`,
  tools: [{ name: 'pick_color', description: 'Ask the user for a color', inputSchema: { type: 'object' } }],
});

// Stream a turn: deltas arrive live; a dropped connection is resumed with Last-Event-ID.
for await (const event of session.stream('Plan a day in Lisbon')) {
  if (event.type === 'text-delta') process.stdout.write(event.data.delta);
}
process.stdout.write('\n');

// A client-side tool: the turn pauses, the handler runs here, the turn resumes by itself.
const turn = await session.turn('/tool pick_color {}', { tools: { pick_color: async () => ({ color: 'red' }) } });
console.log(turn.text());
await session.close();
