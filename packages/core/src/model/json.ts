/** Any JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object (the shape of session `meta` and `state`). */
export type JsonObject = { [key: string]: JsonValue };
