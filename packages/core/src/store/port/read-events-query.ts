import type { SessionEvent } from '../../model/event.js';

/** Position and size of an events page. */
export interface ReadEventsQuery {
  /** Return events with seq greater than this. Default 0. */
  after?: number;
  /** Default 100, capped at 1000. */
  limit?: number;
}

/** A page of events. */
export interface EventPage {
  events: SessionEvent[];
  /** The last seq returned when more exist, else null. */
  nextAfter: number | null;
}
