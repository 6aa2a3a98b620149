import express, { type RequestHandler } from 'express';
import { maxPayloadDepth } from '@spir-webhooks/shared-types';
import { ApiError } from './apiError';

/**
 * How deep any JSON body may nest: room for the ingest envelope around a payload of the
 * contract's own bound. Deeper bodies are refused before they are parsed, so no parser, schema or
 * walk over them can run out of stack, and no field beside the payload can smuggle in a nesting
 * the payload itself may not have.
 */
export const maxJsonBodyDepth = maxPayloadDepth + 8;

const quote = 0x22;
const backslash = 0x5c;
const opening = new Set([0x7b, 0x5b]); // { [
const closing = new Set([0x7d, 0x5d]); // } ]

/**
 * Refuses a body nested deeper than `maxJsonBodyDepth`, by one pass over its bytes. Brackets and
 * quotes are ASCII and never part of a multi-byte UTF-8 character, so counting bytes is exact for
 * valid JSON; for invalid JSON the parser refuses what this lets through.
 */
export function refuseDeepJson(body: Uint8Array): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i]!;
    if (inString) {
      if (byte === backslash) i++;
      else if (byte === quote) inString = false;
    } else if (byte === quote) {
      inString = true;
    } else if (opening.has(byte)) {
      if (++depth > maxJsonBodyDepth) {
        throw new ApiError(
          400,
          'json_too_deep',
          `The body nests deeper than ${maxJsonBodyDepth} levels of objects and arrays; send it flatter.`,
        );
      }
    } else if (closing.has(byte)) {
      depth--;
    }
  }
}

/** express.json for the API's routes, refusing bodies nested too deep before they are parsed. */
export function jsonBody(limit: string): RequestHandler {
  return express.json({ limit, verify: (_req, _res, body) => refuseDeepJson(body) });
}
