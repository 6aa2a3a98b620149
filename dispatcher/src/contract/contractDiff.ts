import { contractShapeOf, isKnownWebhookEventName, type ContractPath } from '@spir-webhooks/shared-types';
import type { ObservedPath } from './contractRoutes';

/** What traffic and the typed contract disagree on, for one event name. */
export interface ContractDiff {
  eventName: string;
  /** The contract does not know this event name at all. */
  unknownEvent: boolean;
  /** Paths traffic carried that the contract does not name. */
  onlyInTraffic: ObservedPath[];
  /** Required paths the contract names that traffic never carried. */
  neverCarried: string[];
  /** Optional paths the contract names that traffic never carried (informational). */
  optionalNeverCarried: string[];
  /** Paths both know, carried with a type the contract does not allow. */
  typeMismatches: { path: string; contract: string[]; traffic: string[] }[];
}

/** The contract's entry for an observed path: itself, or the free-keyed object it sits in. */
function contractEntryOf(contract: Map<string, ContractPath>, path: string): ContractPath | undefined {
  const exact = contract.get(path);
  if (exact !== undefined) return exact;
  const cut = path.lastIndexOf('.');
  if (cut < 0) return undefined;
  const parent = contract.get(path.slice(0, cut));
  return parent?.anyKeys === true ? contract.get(`${path.slice(0, cut)}.*`) : undefined;
}

/** Compares observed shapes with the typed contract, event name by event name. */
export function diffContract(observed: Record<string, ObservedPath[]>): ContractDiff[] {
  return Object.entries(observed).map(([eventName, paths]) => {
    if (!isKnownWebhookEventName(eventName)) {
      return {
        eventName,
        unknownEvent: true,
        onlyInTraffic: paths,
        neverCarried: [],
        optionalNeverCarried: [],
        typeMismatches: [],
      };
    }
    const contract = contractShapeOf(eventName);
    const carried = new Set(paths.map((p) => p.path));
    const onlyInTraffic: ObservedPath[] = [];
    const typeMismatches: ContractDiff['typeMismatches'] = [];
    for (const path of paths) {
      const entry = contractEntryOf(contract, path.path);
      if (entry === undefined) {
        onlyInTraffic.push(path);
        continue;
      }
      const unexpected = path.types.filter((type) => !(entry.types as string[]).includes(type));
      if (unexpected.length > 0) typeMismatches.push({ path: path.path, contract: entry.types, traffic: path.types });
    }
    const missing = [...contract.entries()].filter(([path]) => !path.includes('*') && !carried.has(path));
    // A path below an array or optional object that never came is no news when its parent never came either.
    const parentCarried = (path: string) => {
      const cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('[]'));
      return cut <= 0 || carried.has(path.slice(0, cut));
    };
    return {
      eventName,
      unknownEvent: false,
      onlyInTraffic,
      neverCarried: missing.filter(([path, entry]) => entry.required && parentCarried(path)).map(([path]) => path),
      optionalNeverCarried: missing.filter(([, entry]) => !entry.required).map(([path]) => path),
      typeMismatches,
    };
  });
}

/** The report a Spir engineer reads: one section per event name, plain text. */
export function renderContractDiff(diffs: readonly ContractDiff[]): string {
  if (diffs.length === 0) return 'No traffic observed yet: nothing to compare.\n';
  const lines: string[] = [];
  for (const diff of diffs) {
    lines.push(`## ${diff.eventName}${diff.unknownEvent ? ' (not in the contract: an event name to add)' : ''}`);
    if (diff.onlyInTraffic.length > 0) {
      lines.push('Traffic carries, the contract lacks:');
      for (const p of diff.onlyInTraffic) lines.push(`  + ${p.path}: ${p.types.join(' | ')} (${p.count} events)`);
    }
    if (diff.neverCarried.length > 0) {
      lines.push('The contract requires, traffic never carried:');
      for (const path of diff.neverCarried) lines.push(`  - ${path}`);
    }
    if (diff.typeMismatches.length > 0) {
      lines.push('Types differ:');
      for (const m of diff.typeMismatches)
        lines.push(`  ~ ${m.path}: contract ${m.contract.join(' | ')}, traffic ${m.traffic.join(' | ')}`);
    }
    if (diff.optionalNeverCarried.length > 0) {
      lines.push(`Optional in the contract, not seen yet: ${diff.optionalNeverCarried.join(', ')}`);
    }
    if (diff.onlyInTraffic.length + diff.neverCarried.length + diff.typeMismatches.length === 0) {
      lines.push('Traffic and the contract agree on every required path.');
    }
    lines.push('');
  }
  return `${lines.join('\n')}`;
}
