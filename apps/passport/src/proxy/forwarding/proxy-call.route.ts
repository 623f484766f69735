import { Body, Controller, Headers, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiResponse } from '@nestjs/swagger';
import { Allow, CurrentPrincipal, IDEMPOTENCY_KEY_HEADER, idempotencyKeyOf, Principal } from '@mandate/platform';
import { ProxyCallDto } from './proxy-call.dto';
import { ProxyCall } from './proxy-call.handler';
import { ProxiedCallResponse } from '../proxy.response';

@Controller('v1/proxy')
export class ProxyCallRoute {
  constructor(private readonly commands: CommandBus) {}

  /** 200 whenever the upstream answered, whatever its status (in the body); Mandate's refusals are problem details. */
  @Post()
  @HttpCode(200)
  @Allow('passport')
  @ApiOkResponse({ type: ProxiedCallResponse })
  @ApiHeader({ ...IDEMPOTENCY_KEY_HEADER, description: 'a call under a key is made once: its retry is 409 PROXY_CALL_ALREADY_MADE naming the call_id, never a second call upstream' })
  @ApiResponse({ status: 404, description: 'the service is not registered for this tenant (SERVICE_NOT_FOUND)' })
  @ApiResponse({ status: 502, description: 'the upstream could not be reached, failed TLS verification, or answered too much (UPSTREAM_*)' })
  @ApiResponse({ status: 504, description: 'the upstream did not answer in time (UPSTREAM_TIMEOUT)' })
  @ApiOperation({ summary: "The credential proxy: make a call with the service's credential, checked against the mission, and record what happened" })
  call(@Body() body: ProxyCallDto, @Headers('idempotency-key') header: string | undefined, @CurrentPrincipal() principal: Principal) {
    return this.commands.execute(new ProxyCall(principal, body, idempotencyKeyOf(header)));
  }
}
