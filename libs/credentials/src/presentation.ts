import { DomainError } from '@mandate/core';

/**
 * How the proxy presents a service's secret upstream:
 * - `bearer`: `Authorization: Bearer <secret>`;
 * - `header`: the secret as the value of the header `name` (e.g. `X-Api-Key`);
 * - `basic`: HTTP Basic with the secret as the password of `username`; without a username the secret is the user
 *   name and the password is empty (Stripe's form);
 * - `query`: the secret as the query parameter `name`.
 */
export type Presentation =
  | { kind: 'bearer' }
  | { kind: 'header'; name: string }
  | { kind: 'basic'; username?: string }
  | { kind: 'query'; name: string };

export const PRESENTATION_KINDS = ['bearer', 'header', 'basic', 'query'] as const;
export type PresentationKind = (typeof PRESENTATION_KINDS)[number];

/** An HTTP field name (RFC 9110 token). */
export const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/;
/** A query parameter name that needs no percent-encoding. */
export const QUERY_NAME = /^[A-Za-z0-9._~-]{1,100}$/;
/** A Basic user name: no colon (it ends the user name) and no control character. */
export const BASIC_USERNAME = /^[^:\u0000-\u001f\u007f]{1,200}$/;

/** Headers the proxy itself writes or drops: a credential presented in one would break the call or be lost. */
const RESERVED_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'cookie', 'expect']);

const refused = (field: string, problem: string) =>
  new DomainError('VALIDATION_FAILED', `${field}: ${problem}`, { errors: [{ field, problems: [problem] }] });

/** A presentation as asked for, before its kind's rules are checked. */
export type PresentationRequest = { kind: string; name?: string; username?: string };

/** Checks a presentation and returns it with exactly its kind's fields (nothing else is kept in an event). */
export function checkPresentation(presentation: PresentationRequest): Presentation {
  const { kind, name, username } = presentation;
  const onlyName = (pattern: RegExp) => {
    if (username !== undefined) throw refused('presentation.username', `is only for kind basic`);
    if (name === undefined || !pattern.test(name)) throw refused('presentation.name', `kind ${kind} needs a name matching ${pattern.source}`);
    return name;
  };
  switch (kind) {
    case 'bearer':
      if (name !== undefined || username !== undefined) throw refused('presentation', 'kind bearer takes no name or username');
      return { kind };
    case 'header': {
      const header = onlyName(HEADER_NAME);
      const lower = header.toLowerCase();
      if (RESERVED_HEADERS.has(lower) || lower.startsWith('proxy-')) throw refused('presentation.name', `${header} is a header the proxy manages itself`);
      return { kind, name: header };
    }
    case 'query':
      return { kind, name: onlyName(QUERY_NAME) };
    case 'basic':
      if (name !== undefined) throw refused('presentation.name', 'kind basic takes a username, not a name');
      if (username !== undefined && !BASIC_USERNAME.test(username)) throw refused('presentation.username', 'must be 1 to 200 characters, no colon or control character');
      return username === undefined ? { kind } : { kind, username };
    default:
      throw refused('presentation.kind', `must be one of ${PRESENTATION_KINDS.join(', ')}`);
  }
}

export const samePresentation = (a: Presentation, b: Presentation) =>
  a.kind === b.kind && (a as { name?: string }).name === (b as { name?: string }).name && (a as { username?: string }).username === (b as { username?: string }).username;
