import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsNotEmpty, IsObject, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import { CallRequestDto, CompiledValidation, IsServiceName } from '@mandate/platform';

const OUTCOMES = ['success', 'failure', 'unknown'] as const;

export class ToolCallDto {
  @IsString() @IsServiceName() service: string;
  @IsString() @IsNotEmpty() @MaxLength(200) action: string;
  @IsOptional() @IsString() @MaxLength(2000) target?: string;
  @IsOptional() @IsIn(OUTCOMES) outcome?: (typeof OUTCOMES)[number];
  @IsOptional() @IsString() @MaxLength(100) approval_id?: string;
  /** The request the call made: required with `approval_id`, which is only honoured for exactly the approved call. */
  @IsOptional() @IsObject() @ValidateNested() @Type(() => CallRequestDto) request?: CallRequestDto;
}

/** One call (the fields of a tool call) or a batch (`calls`), not both. */
@CompiledValidation()
export class LogActionsDto {
  @IsOptional() @IsServiceName() service?: string;
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(200) action?: string;
  @IsOptional() @IsString() @MaxLength(2000) target?: string;
  @IsOptional() @IsIn(OUTCOMES) outcome?: (typeof OUTCOMES)[number];
  @IsOptional() @IsString() @MaxLength(100) approval_id?: string;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => CallRequestDto) request?: CallRequestDto;
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(1000) @IsObject({ each: true }) @ValidateNested({ each: true }) @Type(() => ToolCallDto)
  calls?: ToolCallDto[];
}
