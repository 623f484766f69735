import { createHash } from 'crypto';
import { canonicalJson } from '@mandate/core';

/** What an approval is bound to: the one call a person said yes to. */
export interface CallShape {
  service: string;
  method: string;
  /** An approval for https is not one for plain http. */
  scheme: string;
  host: string;
  /** Path and query (the request target): a query string can carry an amount or a resource id too. */
  path: string;
  /** sha256 of the canonical JSON body: key order does not matter, every value does. */
  bodyDigest: string;
}

export interface CallRequest {
  url: string;
  method: string;
  body?: unknown;
}

/** The methods a described call may use. */
export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

export const CALL_FIELDS = ['service', 'method', 'scheme', 'host', 'path', 'body'] as const;
export type CallField = (typeof CALL_FIELDS)[number] | 'amount';

/** Null for a URL that is not absolute http(s): an approval must name where the call goes. */
export function callShape(service: string, request: CallRequest): CallShape | null {
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  return {
    service,
    method: request.method.toUpperCase(),
    scheme: url.protocol.slice(0, -1),
    host: url.host.toLowerCase(),
    path: url.pathname + url.search,
    bodyDigest: createHash('sha256').update(canonicalJson(request.body ?? null)).digest('hex'),
  };
}

/** The fields in which an attempted call differs from the approved one; empty when it is the same call. */
export function mismatchedFields(approved: CallShape, attempted: CallShape): CallField[] {
  const differs: CallField[] = [];
  if (approved.service !== attempted.service) differs.push('service');
  if (approved.method !== attempted.method) differs.push('method');
  if (approved.scheme !== attempted.scheme) differs.push('scheme');
  if (approved.host !== attempted.host) differs.push('host');
  if (approved.path !== attempted.path) differs.push('path');
  if (approved.bodyDigest !== attempted.bodyDigest) differs.push('body');
  return differs;
}
