import type * as core from 'confab';
import { describe, expectTypeOf, it } from 'vitest';
import type * as client from './wire-types.js';

// The client declares the wire types itself so that it installs without the runtime. These checks
// run in the type-check (`npm run typecheck`): a change to one side that the other lacks fails it.
describe('the client wire types', () => {
  it('are the core wire types', () => {
    expectTypeOf<client.JsonValue>().toEqualTypeOf<core.JsonValue>();
    expectTypeOf<client.JsonObject>().toEqualTypeOf<core.JsonObject>();
    expectTypeOf<client.StopReason>().toEqualTypeOf<core.StopReason>();
    expectTypeOf<client.Usage>().toEqualTypeOf<core.Usage>();
    expectTypeOf<client.EventDataMap>().toEqualTypeOf<core.EventDataMap>();
    expectTypeOf<client.DeltaDataMap>().toEqualTypeOf<core.DeltaDataMap>();
    expectTypeOf<client.SessionEvent>().toEqualTypeOf<core.SessionEvent>();
    expectTypeOf<client.SessionEventOf<'turn-end'>>().toEqualTypeOf<core.SessionEventOf<'turn-end'>>();
    expectTypeOf<client.DeltaEvent>().toEqualTypeOf<core.DeltaEvent>();
    expectTypeOf<client.SessionStatus>().toEqualTypeOf<core.SessionStatus>();
    expectTypeOf<client.ClientToolDefinition>().toEqualTypeOf<core.ClientToolDefinition>();
    expectTypeOf<client.WireSession>().toEqualTypeOf<core.Session>();
    expectTypeOf<client.LifecycleType>().toEqualTypeOf<core.LifecycleType>();
    expectTypeOf<client.LifecycleEvent>().toEqualTypeOf<core.LifecycleEvent>();
  });
});
