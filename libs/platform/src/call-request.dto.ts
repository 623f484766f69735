import { Allow, IsIn, IsNumber, IsString, Matches, Max, MaxLength, Min, ValidateBy } from 'class-validator';
import { SERVICE_NAME } from '@mandate/core';
import { HTTP_METHODS } from '@mandate/intents';

/** The validation rules of what several services accept: an amount, a described call, a service name. */
export const SERVICE_MESSAGE = 'a service is a lowercase name like "slack" or "stripe" (a-z, 0-9, . _ : -, at most 64)';
export const IsServiceName = (options: { each?: boolean; message?: string } = {}) => Matches(SERVICE_NAME, { message: SERVICE_MESSAGE, ...options });
export const IsHttpMethod = () => IsIn(HTTP_METHODS, { message: `method is one of ${HTTP_METHODS.join(', ')}` });

const FREE_FORM = 'mandate:free-form-json';

/**
 * Any JSON, kept exactly as sent: class-transformer would rebuild it (and drop keys such as `constructor`), while an
 * approval binds the digest of the body the agent sent. The validation pipe sets these values aside and puts them back.
 */
export const FreeFormJson = (): PropertyDecorator => (target, key) => {
  Allow()(target, key);
  Reflect.defineMetadata(FREE_FORM, true, target, key);
};

export const isFreeFormJson = (dto: Function, key: string): boolean => Reflect.getMetadata(FREE_FORM, dto.prototype, key) === true;

export class AmountDto {
  @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0) @Max(1e15) value: number;
  @IsString() @Matches(/^[A-Z]{3}$/, { message: 'currency is an ISO 4217 code such as EUR' }) currency: string;
}

/** A call as an approval binds it: method, absolute URL and body. */
export class CallRequestDto {
  @IsString() @MaxLength(2048) url: string;
  @IsHttpMethod() method: string;
  /** Any JSON: the approval binds its canonical digest. */
  @FreeFormJson() body?: unknown;
}

export const STRING_MAP = 'isStringMap';

/** What is wrong with a map of names to a string or a list of strings, or null. */
export function stringMapProblem(value: unknown, maxEntries: number, maxLength: number): string | null {
  const one = (v: unknown) => typeof v === 'string' && [...v].length <= maxLength;
  const fits =
    typeof value === 'object' && value !== null && !Array.isArray(value) &&
    Object.keys(value).length <= maxEntries &&
    Object.values(value).every((v) => one(v) || (Array.isArray(v) && v.length <= maxEntries && v.every(one)));
  return fits ? null : `maps names to a string or a list of strings (at most ${maxEntries} names, values of at most ${maxLength} characters)`;
}

/**
 * An object of names to a string or a list of strings: headers and query parameters as an agent sends them. At most
 * `maxEntries` names, each value at most `maxLength` characters. The validation pipe judges it as sent and hands it
 * on as sent: class-transformer would rebuild it and drop names such as `constructor`.
 */
export const IsStringMap = (maxEntries: number, maxLength: number): PropertyDecorator =>
  ValidateBy({
    name: STRING_MAP,
    constraints: [maxEntries, maxLength],
    validator: {
      validate: (value: unknown) => stringMapProblem(value, maxEntries, maxLength) === null,
      defaultMessage: (args) => `${args?.property} ${stringMapProblem(args?.value, maxEntries, maxLength)}`,
    },
  });
