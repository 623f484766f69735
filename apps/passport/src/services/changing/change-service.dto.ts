import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsObject, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import { MAX_HOSTS } from '@mandate/credentials';
import { PresentationDto } from '../presentation.dto';

/** What may change of a service; its secret changes by rotation (POST …/secrets), never here. */
export class ChangeServiceDto {
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(MAX_HOSTS) @IsString({ each: true }) @MaxLength(255, { each: true }) hosts?: string[];
  @IsOptional() @IsArray() @ArrayMaxSize(MAX_HOSTS) @IsString({ each: true }) @MaxLength(255, { each: true }) internal_hosts?: string[];
  @IsOptional() @IsObject() @ValidateNested() @Type(() => PresentationDto) presentation?: PresentationDto;
}
