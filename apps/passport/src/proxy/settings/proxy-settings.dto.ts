import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { MASKERS, Masker, PROXY_SETTINGS_LIMITS } from '@mandate/proxy';
import { IsHttpMethod } from '@mandate/platform';

const PATTERN = /^[\x21-\x7e]+$/;

class DenyRuleDto {
  @IsString() @MaxLength(100) name: string;
  @IsOptional() @IsHttpMethod() method?: string;
  @IsOptional() @IsString() @MaxLength(PROXY_SETTINGS_LIMITS.pattern) @Matches(PATTERN, { message: 'host is a name pattern without spaces; * matches any run of characters' }) host?: string;
  @IsOptional() @IsString() @MaxLength(PROXY_SETTINGS_LIMITS.pattern) @Matches(/^[/*][\x21-\x7e]*$/, { message: 'path starts with / (or *); * matches any run of characters' }) path?: string;
}

/** The tenant's proxy settings, replaced whole: what is left out takes its default. */
export class ProxySettingsDto {
  @IsOptional() @IsArray() @ArrayMaxSize(PROXY_SETTINGS_LIMITS.denyRules) @IsObject({ each: true }) @ValidateNested({ each: true }) @Type(() => DenyRuleDto) deny_rules?: DenyRuleDto[];
  @IsOptional() @IsArray() @ArrayMaxSize(MASKERS.length) @IsIn(MASKERS, { each: true }) masking?: Masker[];
  @IsOptional() @IsBoolean() capture_bodies?: boolean;
  @IsOptional() @IsInt() @Min(PROXY_SETTINGS_LIMITS.captureLimitBytes.min) @Max(PROXY_SETTINGS_LIMITS.captureLimitBytes.max) capture_limit_bytes?: number;
}
