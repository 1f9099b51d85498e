/**
 * A deep copy. `MemoryStore` and its helpers copy whatever crosses the port, both ways, so that no
 * caller ever holds an object the store keeps (the port promises returned objects are copies).
 */
export const copy = <T>(value: T): T => structuredClone(value);
