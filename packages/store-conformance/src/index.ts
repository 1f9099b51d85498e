import { describe } from 'vitest';
import { type StoreConformanceOptions, useFreshStore } from './harness.js';
import { appsSpec } from './specs/apps.spec.js';
import { channelsSpec } from './specs/channels.spec.js';
import { commitFoldingSpec } from './specs/commit-folding.spec.js';
import { contextSpec } from './specs/context.spec.js';
import { deletionSpec } from './specs/deletion.spec.js';
import { eventsSpec } from './specs/events.spec.js';
import { fileStreamsSpec } from './specs/file-streams.spec.js';
import { foldedLeaseSpec } from './specs/folded-lease.spec.js';
import { forksSpec } from './specs/forks.spec.js';
import { inputsSpec } from './specs/inputs.spec.js';
import { isolationSpec } from './specs/isolation.spec.js';
import { leaseRenewalSpec } from './specs/lease-renewal.spec.js';
import { leasesSpec } from './specs/leases.spec.js';
import { lifecycleSpec } from './specs/lifecycle.spec.js';
import { listFiltersSpec } from './specs/list-filters.spec.js';
import { listingSpec } from './specs/listing.spec.js';
import { paritySpec } from './specs/parity.spec.js';
import { retentionSpec } from './specs/retention.spec.js';
import { sessionCountingSpec } from './specs/session-counting.spec.js';
import { sessionsSpec } from './specs/sessions.spec.js';
import { snapshotsSpec } from './specs/snapshots.spec.js';
import { stopSpec } from './specs/stop.spec.js';
import { storableTextSpec } from './specs/storable-text.spec.js';

export type { StoreConformanceOptions } from './harness.js';

/**
 * Registers the whole `SessionStore` conformance suite (vitest) for one adapter. Call it at the top
 * level of the adapter's test file. Each test receives a fresh store from `createStore`, migrated,
 * and hands it to `destroyStore` afterwards (which must tolerate an already closed store).
 */
export function runStoreConformance(options: StoreConformanceOptions): void {
  describe(`SessionStore conformance: ${options.name}`, () => {
    const context = useFreshStore(options);
    lifecycleSpec(context);
    sessionsSpec(context);
    listingSpec(context);
    sessionCountingSpec(context);
    listFiltersSpec(context);
    channelsSpec(context);
    eventsSpec(context);
    leasesSpec(context);
    leaseRenewalSpec(context);
    inputsSpec(context);
    commitFoldingSpec(context);
    foldedLeaseSpec(context);
    snapshotsSpec(context);
    forksSpec(context);
    contextSpec(context);
    deletionSpec(context);
    appsSpec(context);
    fileStreamsSpec(context);
    retentionSpec(context);
    isolationSpec(context);
    paritySpec(context);
    stopSpec(context);
    storableTextSpec(context);
  });
}
