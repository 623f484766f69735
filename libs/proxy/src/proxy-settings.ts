import { Decider, DomainEvent } from '@mandate/core';
import { CARD_NUMBERS, MaskingPattern } from './scrub';

/**
 * A call the tenant never lets through the proxy, whatever the mission and the policy say. Every field given must
 * match; a missing one matches anything. `host` and `path` are patterns where `*` stands for any run of characters
 * (`/repos/*\/delete`, `*.internal.example.com`); matching ignores case for the host and the method, not for the path.
 */
export interface DenyRule {
  name: string;
  method?: string;
  host?: string;
  path?: string;
}

export const MASKERS = ['card_numbers'] as const;
export type Masker = (typeof MASKERS)[number];

export interface ProxySettings {
  deny_rules: DenyRule[];
  /** Kinds of values masked in every answer, besides the injected secret (always masked). */
  masking: Masker[];
  /** Keep the request and response bodies (masked, cut at `capture_limit_bytes`) in the ended call's event. */
  capture_bodies: boolean;
  capture_limit_bytes: number;
}

export const PROXY_SETTINGS_LIMITS = { denyRules: 100, pattern: 256, captureLimitBytes: { min: 0, max: 16_384, default: 4096 } } as const;

/** Card numbers are masked until a tenant says otherwise; bodies are never kept unless a tenant asks. */
export const DEFAULT_PROXY_SETTINGS: ProxySettings = {
  deny_rules: [],
  masking: ['card_numbers'],
  capture_bodies: false,
  capture_limit_bytes: PROXY_SETTINGS_LIMITS.captureLimitBytes.default,
};

export type ProxySettingsEvent = DomainEvent<'ProxySettingsChanged', { settings: ProxySettings }>;
export type ProxySettingsState = { settings: ProxySettings; changed: boolean };
export type ProxySettingsCommand = { type: 'ChangeProxySettings'; settings: ProxySettings };

/** A tenant's proxy settings: replaced as a whole, each change an event. */
export const proxySettingsDecider: Decider<ProxySettingsCommand, ProxySettingsEvent, ProxySettingsState> = {
  initialState: { settings: DEFAULT_PROXY_SETTINGS, changed: false },
  evolve: (_state, event) => ({ settings: event.data.settings, changed: true }),
  decide: (command) => [{ type: 'ProxySettingsChanged', data: { settings: command.settings } }],
};

export const proxySettingsStream = (tenantId: string) => `proxy-settings-${tenantId}`;

const MASKING_PATTERNS: Record<Masker, MaskingPattern> = { card_numbers: CARD_NUMBERS };
export const maskingPatternsOf = (settings: ProxySettings): MaskingPattern[] => settings.masking.map((m) => MASKING_PATTERNS[m]);

/**
 * Whether `text` matches `pattern`, `*` matching any run of characters. Greedy with one backtrack point, so linear in
 * practice and never exponential, whatever a tenant writes.
 */
export function wildcardMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      resume = t;
    } else if (p < pattern.length && pattern[p] === text[t]) {
      p++;
      t++;
    } else if (star !== -1) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

/** The first deny rule that matches the call, or null. */
export function denyingRule(rules: readonly DenyRule[], call: { method: string; host: string; path: string }): DenyRule | null {
  for (const rule of rules) {
    if (rule.method !== undefined && rule.method.toUpperCase() !== call.method.toUpperCase()) continue;
    if (rule.host !== undefined && !wildcardMatch(rule.host.toLowerCase(), call.host.toLowerCase())) continue;
    if (rule.path !== undefined && !wildcardMatch(rule.path, call.path)) continue;
    return rule;
  }
  return null;
}
