import { MemoryStore } from 'confab';
import { runStoreConformance } from './index.js';

// The reference adapter lives in core; its conformance run lives here so core never depends on the suite.
runStoreConformance({ name: 'memory', createStore: ({ now } = {}) => new MemoryStore(now) });
