import 'reflect-metadata';
import Ajv from 'ajv';
import { ArgumentMetadata } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsObject, IsOptional, ValidateNested } from 'class-validator';
import { AmountDto, CallRequestDto } from '../call-request.dto';
import { mandateValidationPipe } from '../validation';
import { schemaOf } from './openapi';

/** A DTO shaped like the services' (a nested call, an optional amount), for what the pipe and the schema say of it. */
class RefundDto {
  @IsObject() @ValidateNested() @Type(() => CallRequestDto) parameters: CallRequestDto;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => AmountDto) amount?: AmountDto;
}

const pipeAccepts = async (body: unknown) =>
  mandateValidationPipe.transform(body, { type: 'body', metatype: RefundDto } as ArgumentMetadata).then(
    () => true,
    () => false,
  );

describe('schemaOf: the JSON Schema of a DTO class, as the contract describes it', () => {
  it('is self-contained: nested classes inlined, no $ref left', () => {
    const schema = schemaOf(RefundDto);
    expect(JSON.stringify(schema)).not.toContain('$ref');
    expect(schema).toMatchObject({
      type: 'object',
      additionalProperties: false,
      required: ['parameters'],
      properties: {
        parameters: { type: 'object', additionalProperties: false, required: ['url', 'method'] },
        amount: { properties: { value: { type: 'number', minimum: 0, maximum: 1e15 }, currency: { type: 'string', pattern: '^[A-Z]{3}$' } } },
      },
    });
  });

  it('accepts and refuses what the validation pipe accepts and refuses', async () => {
    const validate = new Ajv({ strict: false }).compile(schemaOf(RefundDto));
    const call = { url: 'https://api.stripe.com/v1/refunds', method: 'POST' };
    const bodies = [
      { parameters: call },
      { parameters: { ...call, body: { any: ['json', 1, null] } } },
      { parameters: { ...call, body: 'a string body' }, amount: { value: 42, currency: 'EUR' } },
      { parameters: { ...call, method: 'FETCH' } },
      { parameters: { ...call, extra: true } },
      { parameters: call, amount: { value: -1, currency: 'EUR' } },
      { parameters: call, amount: { value: 1, currency: 'eur' } },
      { parameters: call, amount: null },
      { amount: { value: 1, currency: 'EUR' } },
      { parameters: { url: 'x'.repeat(2049), method: 'GET' } },
    ];
    const verdicts = await Promise.all(bodies.map(async (body) => [validate(body), await pipeAccepts(body)]));
    expect(verdicts.map(([schema]) => schema)).toEqual([true, true, true, false, false, false, false, false, false, false]);
    expect(verdicts.map(([schema, pipe]) => schema === pipe)).toEqual(bodies.map(() => true));
  });
});
