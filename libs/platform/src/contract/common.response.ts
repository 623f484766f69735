import { ApiProperty } from '@nestjs/swagger';

/** Who did something: an operator key, the instance admin, a passport, a detector or the system. */
export class ActorView {
  @ApiProperty({ enum: ['admin', 'operator', 'agent', 'passport', 'detector', 'system', 'policy'] }) kind: string;
  @ApiProperty() id: string;
}

/** The global position of the write that answered: read-your-writes for the read models (wait_for_position). */
export const POSITION = { type: 'integer', minimum: 0, description: 'the global position of this write (use as wait_for_position)' } as const;

/** A revocation of many passports at once (an agent, a tenant). */
export class RevocationsResponse {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'passports revoked by this call' }) revoked: number;
  @ApiProperty({ type: [String] }) jtis: string[];
  @ApiProperty(POSITION) position: number;
}
