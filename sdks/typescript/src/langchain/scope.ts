/**
 * What a tool is to Mandate: the mission service it acts on, what the audit calls it, and, for a gated tool, the
 * named intent a person approves and the exact HTTP call the approval is for. Nothing here does I/O: the scope check
 * before a tool runs is a lookup in the mission's own service list.
 */
import { ConfigurationError } from '../errors.js';
import type { HttpMethod } from '../mission/intents.js';
import { HTTP_METHODS, httpCall, type HttpCall } from './http-call.js';

/**
 * The service a tool that declares none is recorded and scoped under: a mission runs undeclared tools only if it
 * names it (`services: ['echo', 'langchain']`), so adding a tool to an agent never widens a mission by itself.
 */
export const DEFAULT_SERVICE = 'langchain';
/** Where a tool's declared scope lives in `tool.metadata` (plain JSON: it travels with traces). */
export const METADATA_KEY = 'mandate';

const SERVICE_NAME = /^[a-z0-9][a-z0-9._:-]{0,63}$/;
const NAMED_INTENT = /^[a-z0-9][a-z0-9._:-]{0,127}$/;
const ACTION_MAX = 200;

/** How a tool is declared to Mandate (`mandateTool`, the `scopes` option, `proxiedTool`). */
export interface ScopeDeclaration {
  /** The mission service the tool acts on: a call to a service the mission does not name is stopped before it runs. */
  service: string;
  /** What the audit calls the call (default: the tool's name). */
  action?: string;
  /** The call needs a person's approval first (the tenant's policy decides who gives it); then `url` is required. */
  namedIntent?: string;
  /** The gated call's method (default `GET`). */
  method?: HttpMethod;
  /**
   * The gated call's URL, a template whose `{placeholders}` are filled from the tool's arguments; the other arguments
   * are the JSON body of a POST, PUT or PATCH, else the query string.
   */
  url?: string;
}

/** The scope as kept in `tool.metadata.mandate`: the Python SDK's names, so a trace reads the same from both. */
type ScopeMetadata = { service: string; action?: string; named_intent?: string; method?: string; url?: string };

/** A tool's scope, checked once when declared. */
export class MandateScope {
  readonly service: string;
  readonly action: string | undefined;
  readonly namedIntent: string | undefined;
  readonly method: HttpMethod | undefined;
  readonly url: string | undefined;

  constructor({ service, action, namedIntent, method, url }: ScopeDeclaration) {
    if (typeof service !== 'string' || !SERVICE_NAME.test(service)) {
      throw new ConfigurationError(`${JSON.stringify(service)} is not a Mandate service name (lower-case letters, digits and . _ : -, at most 64)`);
    }
    if (namedIntent !== undefined) {
      if (!NAMED_INTENT.test(namedIntent)) throw new ConfigurationError(`${JSON.stringify(namedIntent)} is not a named intent (e.g. 'stripe:refunds:create')`);
      if (url === undefined) {
        throw new ConfigurationError(`the gated tool (${namedIntent}) must say its HTTP call (method and url): an approval is for one exact call`);
      }
    }
    const verb = method?.toUpperCase() as HttpMethod | undefined;
    if (verb !== undefined && !HTTP_METHODS.includes(verb)) throw new ConfigurationError(`${JSON.stringify(method)} is not an HTTP method`);
    if (url !== undefined && !/^https?:\/\//.test(url)) throw new ConfigurationError(`url must be absolute (https://...): ${JSON.stringify(url)}`);
    this.service = service;
    this.action = action;
    this.namedIntent = namedIntent;
    this.method = verb;
    this.url = url;
  }

  /** The tool makes one declared HTTP call (its target is that call's method, host and path). */
  get proxied(): boolean {
    return this.url !== undefined;
  }

  actionFor(toolName: string): string {
    return (this.action ?? toolName).slice(0, ACTION_MAX);
  }

  /** The HTTP call the tool makes for these arguments (the model's, as given). */
  call(args: Record<string, unknown>): HttpCall {
    if (this.url === undefined) throw new ConfigurationError(`the tool of service ${JSON.stringify(this.service)} declares no HTTP call`);
    return httpCall(this.method ?? 'GET', this.url, args);
  }

  toMetadata(): ScopeMetadata {
    const { service, action, namedIntent, method, url } = this;
    return JSON.parse(JSON.stringify({ service, action, named_intent: namedIntent, method, url })) as ScopeMetadata;
  }

  /** A scope from what was declared: a service name, a declaration, a `MandateScope`, or its metadata. */
  static of(declared: unknown): MandateScope | undefined {
    if (declared === undefined || declared === null) return undefined;
    if (declared instanceof MandateScope) return declared;
    if (typeof declared === 'string') return new MandateScope({ service: declared });
    if (typeof declared === 'object' && !Array.isArray(declared)) {
      const { service, action, namedIntent, named_intent, method, url } = declared as ScopeDeclaration & { named_intent?: string };
      return new MandateScope({ service, action, namedIntent: namedIntent ?? named_intent, method, url });
    }
    throw new ConfigurationError(`a Mandate scope is a service name, a declaration or a MandateScope, not ${JSON.stringify(declared)}`);
  }
}

/** Tool names mapped to their scope, for tools the app does not own (`{ tavily_search: 'tavily' }`). */
export type Scopes = Readonly<Record<string, string | ScopeDeclaration | MandateScope>>;

/** A tool, as far as its scope goes: LangChain tools keep free-form metadata. */
type WithMetadata = { metadata?: Record<string, unknown> | undefined };

/** The app's mapping first (for tools it does not own), then what the tool declares, else `DEFAULT_SERVICE`. */
export function resolveScope(toolName: string, declared: unknown, scopes: Scopes | undefined): MandateScope {
  if (scopes !== undefined && Object.hasOwn(scopes, toolName)) return MandateScope.of(scopes[toolName])!;
  return MandateScope.of(declared) ?? new MandateScope({ service: DEFAULT_SERVICE });
}

/** What a tool declares in its metadata (undefined when it declares nothing). */
export function declaredScope(tool: unknown): unknown {
  return tool !== null && typeof tool === 'object' ? (tool as WithMetadata).metadata?.[METADATA_KEY] : undefined;
}

/**
 * Declares a tool's Mandate scope, in its metadata, and gives the tool back: `mandateTool(search, { service: 'serp' })`.
 * A gated tool names its approval and its exact call (its code sends that call through `mission.proxy`, which carries
 * the approval the middleware obtained):
 *
 *   mandateTool(refund, { service: 'stripe', namedIntent: 'stripe:refunds:create', method: 'POST', url: 'https://api.stripe.com/v1/refunds' })
 */
export function mandateTool<T extends WithMetadata>(tool: T, declaration: ScopeDeclaration): T {
  const scope = new MandateScope(declaration);
  tool.metadata = { ...tool.metadata, [METADATA_KEY]: scope.toMetadata() };
  return tool;
}
