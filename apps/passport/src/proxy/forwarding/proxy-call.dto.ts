import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { CompiledValidation, FreeFormJson, IsHttpMethod, IsServiceName, IsStringMap } from '@mandate/platform';

/** Headers and query parameters an agent may send through the proxy: plenty for an API call, bounded for the store. */
export const PROXY_CALL_LIMITS = { entries: 64, valueLength: 8192 } as const;

/** One call for the proxy to make with the service's credential (the shape the SDKs' `mission.proxy()` sends). */
@CompiledValidation()
export class ProxyCallDto {
  @IsString() @IsServiceName() service: string;
  @IsHttpMethod() method: string;
  /** Absolute: `https://host/path?query`. Its host must be one of the service's. */
  @IsString() @MaxLength(2048) url: string;
  /** Sent upstream except `authorization`, `cookie`, `proxy-*` and hop-by-hop headers. */
  @IsOptional() @IsStringMap(PROXY_CALL_LIMITS.entries, PROXY_CALL_LIMITS.valueLength) headers?: Record<string, string | string[]>;
  /** Added to the URL's query, replacing its parameters of the same names. */
  @IsOptional() @IsStringMap(PROXY_CALL_LIMITS.entries, PROXY_CALL_LIMITS.valueLength) query?: Record<string, string | string[]>;
  /** A string is sent as it is; any other JSON value is sent as JSON (`content-type: application/json` unless given). */
  @FreeFormJson() body?: unknown;
  /** The approval this call spends: required when the tenant's policy gates it, honoured only for exactly the approved call. */
  @IsOptional() @IsString() @Matches(/^apr_[A-Za-z0-9_-]{1,64}$/, { message: 'approval_id looks like apr_…' }) approval_id?: string;
}
