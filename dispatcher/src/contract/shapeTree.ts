import { jsonTypeOf, jsonTypes, maxShapeDepth, maxShapePathLength } from '@spir-webhooks/shared-types';
import type { ObservedPathCount } from '../store/storeTypes';

/** JSON types as bits, so that engines merge them with a bitwise OR, in SQL, without a read. */
const typeBit = (value: unknown): number => 1 << jsonTypes.indexOf(jsonTypeOf(value));

interface ShapeNode {
  /** Undefined for the envelope itself, which is no path. */
  count: (ObservedPathCount & { lastEvent: number }) | undefined;
  /** Only paths kept: a key refused by a bound is not remembered, so random keys cost no memory. */
  children: Map<string, ShapeNode> | undefined;
  /** Array items, as `[]`. */
  items: ShapeNode | undefined;
  path: string;
}

/**
 * Values one event's walk visits at most: past it the rest of the event is left out of its shape,
 * so that one event of thousands of fields costs no more than this.
 */
const maxShapeVisitsPerEvent = 5_000;

/**
 * The paths one event name's traffic carried since the last flush, as a tree walked along each
 * event: the same paths as shared-types' `shapeOf` (array items as `[]`, at most
 * `maxShapeDepth` deep and `maxShapePathLength` long), counted once per event. A path string is
 * built only when a path is new; ingest pays map lookups by key, not string building.
 */
export class ShapeTree {
  private readonly root: ShapeNode = { count: undefined, children: undefined, items: undefined, path: '' };
  private readonly counts: ObservedPathCount[] = [];
  private events = 0;
  /** Visits the current event's walk may still make. */
  private visitsLeft = 0;

  constructor(
    private readonly eventName: string,
    /** Paths kept at most; new ones past it are left out. */
    private readonly maxPaths: number,
  ) {}

  add(envelope: unknown, now: number): void {
    this.visitsLeft = maxShapeVisitsPerEvent;
    this.visit(this.root, envelope, ++this.events, now, 0);
  }

  /** Every path counted, as the store merges them. */
  paths(): ObservedPathCount[] {
    return this.counts;
  }

  private visit(node: ShapeNode, value: unknown, event: number, now: number, depth: number): void {
    if (this.visitsLeft-- <= 0) return;
    const count = node.count;
    if (count !== undefined) {
      count.typeBits |= typeBit(value);
      if (count.lastEvent !== event) {
        count.lastEvent = event;
        count.count += 1;
        count.lastSeen = now;
      }
    }
    if (depth >= maxShapeDepth || typeof value !== 'object' || value === null) return;
    if (Array.isArray(value)) {
      const items = (node.items ??= this.newNode(node.path, '[]', event, now));
      if (items === undefined) return;
      for (const item of value) {
        if (this.visitsLeft <= 0) return;
        this.visit(items, item, event, now, depth + 1);
      }
      return;
    }
    const children = (node.children ??= new Map<string, ShapeNode>());
    for (const key in value) {
      if (this.visitsLeft <= 0) return;
      let child = children.get(key);
      if (child === undefined) {
        child = this.newNode(node.path, node.path === '' ? key : `.${key}`, event, now);
        if (child === undefined) continue;
        children.set(key, child);
      }
      this.visit(child, (value as Record<string, unknown>)[key], event, now, depth + 1);
    }
  }

  /** A node for a new path, counted from this event on; undefined when it is too long or over the bound. */
  private newNode(parent: string, step: string, event: number, now: number): ShapeNode | undefined {
    // Measured before the string is built: a key of a hundred kilobytes is refused for free.
    if (parent.length + step.length > maxShapePathLength || this.counts.length >= this.maxPaths) return undefined;
    const path = parent + step;
    // Counted by the visit that follows: it starts at 0 and that event's visit makes it 1.
    const count = {
      eventName: this.eventName,
      path,
      typeBits: 0,
      count: 0,
      firstSeen: now,
      lastSeen: now,
      lastEvent: event - 1,
    };
    this.counts.push(count);
    return { count, children: undefined, items: undefined, path };
  }
}
