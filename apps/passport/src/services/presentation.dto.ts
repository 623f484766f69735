import { IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { BASIC_USERNAME, HEADER_NAME, PRESENTATION_KINDS, PresentationKind } from '@mandate/credentials';

/** The rules each kind adds (a name for header and query, none for bearer) are the decider's: one place, one wording. */
export class PresentationDto {
  @IsIn(PRESENTATION_KINDS) kind: PresentationKind;
  @IsOptional() @IsString() @Matches(HEADER_NAME, { message: 'name must be a header or query parameter name (letters, digits and -._~ and the like), at most 100' }) name?: string;
  @IsOptional() @IsString() @Matches(BASIC_USERNAME, { message: 'username must be 1 to 200 characters, no colon or control character' }) username?: string;
}

/** A secret is sent in a header or a query: a control character (a line break above all) could forge another field. */
export const SECRET_TEXT = /^[^\u0000-\u001f\u007f]+$/;
export const SECRET_MAX_LENGTH = 8192;
export const SECRET_MESSAGE = 'secret must be 1 to 8192 characters with no control character (the secret itself is never repeated in an answer)';
