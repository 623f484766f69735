import { ApiProperty } from '@nestjs/swagger';
import { AnyJsonValue, POSITION } from '@mandate/platform';

const HEADER_VALUES = { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] };

/** The upstream's answer, scrubbed: the injected secret and the tenant's masking patterns replaced by `[masked]`. */
export class ProxiedCallResponse {
  @ApiProperty({ description: 'the id of this call in the audit (ProxiedCallStarted / ProxiedCallEnded)' }) call_id: string;
  @ApiProperty({ type: 'integer', description: "the upstream's status: Mandate's own refusals are problem details, never this" }) status: number;
  @ApiProperty({ type: 'object', additionalProperties: HEADER_VALUES, description: "the upstream's headers, lower-cased, hop-by-hop ones dropped" }) headers: Record<string, string | string[]>;
  @ApiProperty({ type: AnyJsonValue, nullable: true, description: 'parsed JSON, text, or base64 as `body_encoding` says; null when empty' }) body: unknown;
  @ApiProperty({ enum: ['json', 'text', 'base64'] }) body_encoding: 'json' | 'text' | 'base64';
  @ApiProperty({ type: 'integer', minimum: 0, description: 'values replaced by the mask in headers and body' }) masked: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'milliseconds from sending the request upstream to the last byte of its answer' }) latency_ms: number;
  @ApiProperty(POSITION) position: number;
}

export class DenyRuleView {
  @ApiProperty() name: string;
  @ApiProperty({ required: false }) method?: string;
  @ApiProperty({ required: false, description: '`*` matches any run of characters' }) host?: string;
  @ApiProperty({ required: false, description: '`*` matches any run of characters' }) path?: string;
}

export class ProxySettingsResponse {
  @ApiProperty({ type: [DenyRuleView] }) deny_rules: DenyRuleView[];
  @ApiProperty({ type: [String], enum: ['card_numbers'] }) masking: string[];
  @ApiProperty({ description: 'whether ended calls keep their (masked) bodies in the audit' }) capture_bodies: boolean;
  @ApiProperty({ type: 'integer', minimum: 0 }) capture_limit_bytes: number;
}

export class ChangedProxySettingsResponse extends ProxySettingsResponse {
  @ApiProperty(POSITION) position: number;
}
