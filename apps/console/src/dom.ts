/**
 * The one way the console builds DOM: elements, attributes the caller names, and text as text nodes. Nothing here
 * (nor anywhere in the console) parses a string as HTML, so a string an agent wrote can only ever show as itself; the
 * page's Trusted Types policy (`trusted-types 'none'`) makes any HTML sink throw should one creep in.
 */
export type Child = Node | string | number | null | undefined | false;

export interface Props {
  className?: string;
  id?: string;
  /** Other attributes: aria-*, data-*, type, for, … (values set as attribute text, never interpreted as markup). */
  attrs?: Record<string, string>;
  hidden?: boolean;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (props.className) element.className = props.className;
  if (props.id) element.id = props.id;
  if (props.hidden) element.hidden = true;
  for (const [name, value] of Object.entries(props.attrs ?? {})) element.setAttribute(name, value);
  append(element, ...children);
  return element;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

/** Replaces what an element holds with `children`. */
export function fill(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

/** A `<dt>`/`<dd>` pair for a description list. */
export const row = (term: string, ...value: Child[]): Child[] => [el('dt', {}, term), el('dd', {}, ...value)];

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
}
