import { ApiProperty } from '@nestjs/swagger';
import { POSITION } from '@mandate/platform';

export class EnrollmentCreatedResponse {
  @ApiProperty() agent_id: string;
  @ApiProperty() enrollment_id: string;
  @ApiProperty({ description: 'shown once: hand it to the agent runtime, which enrolls its public key with it (single use)' }) token: string;
  @ApiProperty({ format: 'date-time' }) expires_at: string;
  @ApiProperty(POSITION) position: number;
}

export class KeyEnrolledResponse {
  @ApiProperty() agent_id: string;
  @ApiProperty() tenant_id: string;
  @ApiProperty({ description: "the key's RFC 7638 thumbprint: the `kid` of the agent's assertions, the `cnf.jkt` of its passports" }) key_id: string;
  @ApiProperty({ description: 'the `aud` of assertions and the base of `htu` in proofs' }) issuer: string;
  @ApiProperty(POSITION) position: number;
}
