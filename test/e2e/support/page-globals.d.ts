/**
 * The browser globals the callbacks run in the page touch. This test is compiled as Node code, without the DOM
 * library (which would retype the whole program), so these few are declared here, for the test files only.
 */
interface PageElement {
  id: string;
  dataset: Record<string, string | undefined>;
  textContent: string | null;
  matches(selector: string): boolean;
  append(...nodes: PageElement[]): void;
}
declare const document: { activeElement: PageElement | null; body: PageElement; cookie: string; createElement(tag: string): PageElement };
declare const window: Record<string, unknown>;
declare const sessionStorage: { length: number; getItem(key: string): string | null };
declare const localStorage: { length: number };
