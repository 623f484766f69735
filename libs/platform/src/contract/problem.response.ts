import { ApiProperty } from '@nestjs/swagger';

export class FieldProblem {
  @ApiProperty({ description: 'the field, as a dotted path (`calls.3.service`)' }) field: string;
  @ApiProperty({ type: [String], description: 'what is wrong with it' }) problems: string[];
}

/** RFC 9457 problem details as every error is answered; extensions (a position, a jti) may follow. */
export class ProblemResponse {
  @ApiProperty({ format: 'uri' }) type: string;
  @ApiProperty() title: string;
  @ApiProperty({ type: 'integer', minimum: 400, maximum: 599 }) status: number;
  @ApiProperty() detail: string;
  @ApiProperty({ description: 'stable and documented: what a client branches on', example: 'VALIDATION_FAILED' }) code: string;
  @ApiProperty({ required: false, description: 'the path of the request' }) instance?: string;
  @ApiProperty({ required: false, type: [FieldProblem], description: 'with VALIDATION_FAILED: each refused field' }) errors?: FieldProblem[];
}
