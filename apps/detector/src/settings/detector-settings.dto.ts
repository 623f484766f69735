import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsObject, IsOptional, Max, Min, ValidateNested } from 'class-validator';
import { SignalAction } from '@mandate/detectors';

const ACTIONS = ['observe', 'flag', 'revoke'];

class BurstDto {
  @IsInt() @Min(1) @Max(100_000) max_uses: number;
  @IsInt() @Min(1) @Max(86_400) window_seconds: number;
}

class ActionsDto {
  @IsIn(ACTIONS) scope_drift: SignalAction;
  @IsIn(ACTIONS) post_checkout_access: SignalAction;
  @IsIn(ACTIONS) credential_burst: SignalAction;
  @IsIn(ACTIONS) checkpoint_silence: SignalAction;
  @IsIn(ACTIONS) intent_mismatch: SignalAction;
  /** Optional so that a client written before the signal existed still sends valid settings: left out, it is `flag`. */
  @IsOptional() @IsIn(ACTIONS) unreported_calls?: SignalAction;
  @IsOptional() @IsIn(ACTIONS) stolen_passport?: SignalAction;
}

export class SettingsDto {
  @IsObject() @ValidateNested() @Type(() => BurstDto) burst: BurstDto;
  @IsObject() @ValidateNested() @Type(() => ActionsDto) actions: ActionsDto;
  @IsOptional() @IsBoolean() revoke_on_warning?: boolean;
}
