import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsObject, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { MAX_HOSTS } from '@mandate/credentials';
import { IsServiceName } from '@mandate/platform';
import { PresentationDto, SECRET_MAX_LENGTH, SECRET_MESSAGE, SECRET_TEXT } from '../presentation.dto';

export class RegisterServiceDto {
  @IsString() @IsServiceName() name: string;
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(MAX_HOSTS) @IsString({ each: true }) @MaxLength(255, { each: true }) hosts: string[];
  @IsOptional() @IsArray() @ArrayMaxSize(MAX_HOSTS) @IsString({ each: true }) @MaxLength(255, { each: true }) internal_hosts?: string[];
  @IsObject() @ValidateNested() @Type(() => PresentationDto) presentation: PresentationDto;
  @IsString() @MaxLength(SECRET_MAX_LENGTH, { message: SECRET_MESSAGE }) @Matches(SECRET_TEXT, { message: SECRET_MESSAGE }) secret: string;
}
