import { z } from 'zod';
import { eventSchemasByName, type WebhookEventName } from './schemas';

/** The JSON types a value can have, as observed shapes record them. */
export const jsonTypes = ['null', 'boolean', 'number', 'string', 'array', 'object'] as const;
export type JsonType = (typeof jsonTypes)[number];

export function jsonTypeOf(value: unknown): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  const type = typeof value;
  if (type === 'boolean' || type === 'number' || type === 'string') return type;
  return 'object';
}

/** Paths deeper or longer than this are cut: a shape, not a copy of someone's data. */
export const maxShapeDepth = 12;
export const maxShapePathLength = 200;

/**
 * Every path a JSON value carries with the type found there, array items as `[]`
 * (`payload.formAnswers[].answer`), never a value. The envelope's own fields are paths too.
 */
export function shapeOf(value: unknown): Map<string, Set<JsonType>> {
  const shape = new Map<string, Set<JsonType>>();
  const visit = (node: unknown, path: string, depth: number): void => {
    if (path !== '') {
      if (path.length > maxShapePathLength) return;
      let types = shape.get(path);
      if (types === undefined) shape.set(path, (types = new Set()));
      types.add(jsonTypeOf(node));
    }
    if (depth >= maxShapeDepth || typeof node !== 'object' || node === null) return;
    if (Array.isArray(node)) {
      for (const item of node) visit(item, `${path}[]`, depth + 1);
      return;
    }
    for (const [key, child] of Object.entries(node)) visit(child, path === '' ? key : `${path}.${key}`, depth + 1);
  };
  visit(value, '', 0);
  return shape;
}

/** What the contract says of one path: its JSON types, whether it is required, and whether any key may follow. */
export interface ContractPath {
  types: JsonType[];
  required: boolean;
  /** An object of free keys (`utmParameters`): `<path>.*` stands for each of them. */
  anyKeys?: boolean;
}

interface JsonSchemaNode {
  type?: string | string[];
  properties?: Record<string, JsonSchemaNode>;
  required?: string[];
  items?: JsonSchemaNode;
  additionalProperties?: JsonSchemaNode | boolean;
  propertyNames?: unknown;
  anyOf?: JsonSchemaNode[];
  const?: unknown;
}

function typesOf(node: JsonSchemaNode): JsonType[] {
  if (node.anyOf !== undefined) return [...new Set(node.anyOf.flatMap(typesOf))];
  if (node.const !== undefined) return [jsonTypeOf(node.const)];
  const declared = node.type === undefined ? [] : Array.isArray(node.type) ? node.type : [node.type];
  if (declared.length === 0) return [...jsonTypes];
  return declared.map((type) => (type === 'integer' ? 'number' : type) as JsonType);
}

/** The paths the typed contract names for an event, in the same notation as `shapeOf`. */
export function contractShapeOf(eventName: WebhookEventName): Map<string, ContractPath> {
  const root = z.toJSONSchema(eventSchemasByName[eventName], { target: 'draft-2020-12' }) as JsonSchemaNode;
  const shape = new Map<string, ContractPath>();
  const visit = (node: JsonSchemaNode, path: string, required: boolean): void => {
    if (path !== '') shape.set(path, { types: typesOf(node), required });
    if (node.properties !== undefined) {
      const requiredKeys = new Set(node.required ?? []);
      for (const [key, child] of Object.entries(node.properties)) {
        visit(child, path === '' ? key : `${path}.${key}`, required && requiredKeys.has(key));
      }
    } else if (typeof node.additionalProperties === 'object' && path !== '') {
      shape.set(path, { types: typesOf(node), required, anyKeys: true });
      visit(node.additionalProperties, `${path}.*`, false);
    }
    if (node.items !== undefined) visit(node.items, `${path}[]`, false);
  };
  visit(root, '', true);
  return shape;
}
