import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, OpenAPIObject } from '@nestjs/swagger';
import { Allow } from '../auth';

/** Serves the contract generated when the process started (buildOpenApiDocument), as it is. */
@Controller()
export class OpenApiController {
  private static document: OpenAPIObject | null = null;

  static serve(document: OpenAPIObject): void {
    OpenApiController.document = document;
  }

  @Get('openapi.json')
  @Allow('public')
  @ApiOkResponse({
    description: 'this document (OpenAPI 3.0), generated from the DTO classes',
    schema: { type: 'object', required: ['openapi', 'info', 'paths'], properties: { openapi: { type: 'string' }, info: { type: 'object' }, paths: { type: 'object' } } },
  })
  @ApiOperation({ summary: 'This document' })
  openapi() {
    return OpenApiController.document;
  }
}
