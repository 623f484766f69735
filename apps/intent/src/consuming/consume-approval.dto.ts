import { Type } from 'class-transformer';
import { IsObject, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import { AmountDto, CompiledValidation, FreeFormJson, IsHttpMethod, IsServiceName } from '@mandate/platform';

/** The call about to be made, exactly as the approval must have named it. */
@CompiledValidation()
export class ConsumeDto {
  @IsString() @IsServiceName() service: string;
  @IsHttpMethod() method: string;
  @IsString() @MaxLength(2048) url: string;
  @FreeFormJson() body?: unknown;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => AmountDto) amount?: AmountDto;
}
