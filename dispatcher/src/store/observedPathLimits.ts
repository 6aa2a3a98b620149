/** The bounds of the observed shapes a store holds, whatever flushes, restarts and dispatchers add up to. */
export interface ObservedPathLimits {
  /** Event names held at most; a path of a further name is not added. */
  maxEventNames: number;
  /** Paths held at most per event name. */
  maxPathsPerEvent: number;
  /** Names learned even past `maxEventNames`: the contract's own, which are few, so that unknown names cannot crowd them out. */
  namesAlwaysLearned: readonly string[];
}

/** What the store holds as a merge starts: paths per event name (among the merged names), and names in all. */
export interface ObservedPathsHeld {
  pathsByName: Map<string, number>;
  eventNames: number;
}

/**
 * Whether a path the store does not hold yet may be added, counting it in `held` when so. The
 * one rule both engines apply, inside the merge's transaction, against what the store holds:
 * so the bounds hold across flushes and restarts, not only within one flush.
 */
export function admitNewObservedPath(held: ObservedPathsHeld, limits: ObservedPathLimits, eventName: string): boolean {
  const paths = held.pathsByName.get(eventName) ?? 0;
  if (paths >= limits.maxPathsPerEvent) return false;
  if (paths === 0) {
    if (held.eventNames >= limits.maxEventNames && !limits.namesAlwaysLearned.includes(eventName)) return false;
    held.eventNames += 1;
  }
  held.pathsByName.set(eventName, paths + 1);
  return true;
}
