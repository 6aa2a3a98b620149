import type { Logger } from 'pino';
import {
  contractShapeOf,
  foldArrayIndexes,
  isKnownWebhookEventName,
  type ContractDeviation,
  type WebhookEventName,
} from '@spir-webhooks/shared-types';
import type { Metrics } from '../ops/metrics';

const warnEveryMs = 3600_000;
/** Distinct event names and paths remembered for the log's hourly rate; more start again. */
const maxRemembered = 10_000;
/** Path labels per event label; further paths are counted as `other`. */
const maxDeviationPathsPerEvent = 100;
/** The label of whatever a bound folded: an unknown event name, a path past the bound. */
const foldedLabel = 'other';

/** The contract's objects of free keys (`payload.utmParameters`), whose keys fold into `*`. */
const freeKeyObjects = new Map<WebhookEventName, string[]>();
function freeKeyObjectsOf(eventName: WebhookEventName): string[] {
  let paths = freeKeyObjects.get(eventName);
  if (paths === undefined) {
    paths = [...contractShapeOf(eventName)].filter(([, path]) => path.anyKeys === true).map(([name]) => `${name}.`);
    freeKeyObjects.set(eventName, paths);
  }
  return paths;
}

/** A deviation's path as a label: array indexes as `[]`, a free key as `*` (`payload.utmParameters.*`). */
function pathLabel(eventName: WebhookEventName, path: string): string {
  const folded = foldArrayIndexes(path);
  const object = freeKeyObjectsOf(eventName).find((prefix) => folded.startsWith(prefix));
  if (object === undefined) return folded;
  const rest = folded.slice(object.length);
  const next = rest.search(/[.[]/);
  return `${object}*${next === -1 ? '' : rest.slice(next)}`;
}

/**
 * Makes deviations from the typed contract visible without drowning anyone: every one is
 * counted in `/metrics` by event name and path, with labels bounded whatever arrives (unknown
 * names as `other`, array indexes and free keys folded, paths past `maxDeviationPathsPerEvent`
 * per event as `other`); the log warns once per event name and path per hour, not once per event.
 */
export class DeviationReporter {
  private readonly lastWarned = new Map<string, number>();
  private readonly pathLabels = new Map<string, Set<string>>();

  constructor(
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {}

  report(eventName: string, teamId: string, deviations: readonly ContractDeviation[]): void {
    const now = this.now();
    const event = isKnownWebhookEventName(eventName) ? eventName : foldedLabel;
    for (const deviation of deviations) {
      const path = this.boundedPath(event, deviation.path);
      this.metrics.contractDeviations.inc({ event, path });
      const key = `${event}\n${path}`;
      const last = this.lastWarned.get(key);
      if (last !== undefined && now - last < warnEveryMs) continue;
      if (this.lastWarned.size >= maxRemembered) this.lastWarned.clear();
      this.lastWarned.set(key, now);
      this.logger.warn(
        { event: eventName, path, problem: deviation.problem, teamId },
        'an event deviates from the typed contract: delivered as sent and flagged (this warning repeats at most hourly per event name and path)',
      );
    }
  }

  private boundedPath(event: WebhookEventName | typeof foldedLabel, path: string): string {
    const label = event === foldedLabel ? foldArrayIndexes(path) : pathLabel(event, path);
    let labels = this.pathLabels.get(event);
    if (labels === undefined) this.pathLabels.set(event, (labels = new Set()));
    if (labels.has(label)) return label;
    if (labels.size >= maxDeviationPathsPerEvent) return foldedLabel;
    labels.add(label);
    return label;
  }
}
