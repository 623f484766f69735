import { IsString, Matches, MaxLength } from 'class-validator';
import { SECRET_MAX_LENGTH, SECRET_MESSAGE, SECRET_TEXT } from '../presentation.dto';

export class AddSecretDto {
  @IsString() @MaxLength(SECRET_MAX_LENGTH, { message: SECRET_MESSAGE }) @Matches(SECRET_TEXT, { message: SECRET_MESSAGE }) secret: string;
}
