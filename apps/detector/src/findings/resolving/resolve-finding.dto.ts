import { IsString, MaxLength } from 'class-validator';

export class ResolveDto {
  @IsString() @MaxLength(1000) note: string;
}
