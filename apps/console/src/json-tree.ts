import { el } from './dom';
import { revealInvisible } from './format';

/**
 * A JSON value as a tree a person can read, in canonical order (object keys sorted as the server sorts them when it
 * digests a body, so two bodies that differ only in key order read the same, as they are the same to the gate).
 * Strings are shown JSON-quoted, with invisible characters revealed, as text nodes only.
 */
export function jsonTree(value: unknown): HTMLElement {
  if (Array.isArray(value)) {
    if (value.length === 0) return el('span', { className: 'json-punct' }, '[]');
    return el('ol', { className: 'json-tree', attrs: { start: '0' } }, ...value.map((item) => el('li', {}, jsonTree(item))));
  }
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    if (keys.length === 0) return el('span', { className: 'json-punct' }, '{}');
    return el(
      'ul',
      { className: 'json-tree' },
      ...keys.map((key) =>
        el('li', {}, el('span', { className: 'json-key' }, quoted(key)), el('span', { className: 'json-punct' }, ': '), jsonTree((value as Record<string, unknown>)[key])),
      ),
    );
  }
  if (typeof value === 'string') return el('span', { className: 'json-string' }, quoted(value));
  if (value === undefined) return el('span', { className: 'json-literal' }, 'no body');
  return el('span', { className: 'json-literal' }, JSON.stringify(value));
}

const quoted = (text: string): string => revealInvisible(JSON.stringify(text));
