"""Schemathesis hooks of test/e2e/contract-fuzz.e2e.ts: per operation, other credentials or other real ids.

Schemathesis applies [auth.openapi.*] by security scheme (the tenant admin key, the main passport); operations
listed in the overrides file (MANDATE_FUZZ_OVERRIDES) get theirs instead: the instance admin key, an operator key,
a second passport or tenant for what would end the main one. Only the configured values are swapped: a case that
tests a missing or forged credential, or an id the fuzzer generated, is sent as generated.
"""
import json
import os

import schemathesis

with open(os.environ["MANDATE_FUZZ_OVERRIDES"], encoding="utf-8") as file:
    OVERRIDES = json.load(file)
DEFAULT_AUTHORIZATIONS = {f"Bearer {token}" for token in OVERRIDES["default_tokens"]}
DEFAULT_IDS = OVERRIDES["default_ids"]


@schemathesis.hook
def before_call(context, case, **kwargs):
    override = OVERRIDES["operations"].get(case.operation.definition.raw.get("operationId"))
    if not override:
        return
    headers = case.headers if case.headers is not None else {}
    for name in list(headers):
        if name.lower() == "authorization" and headers[name] in DEFAULT_AUTHORIZATIONS and "token" in override:
            headers[name] = f"Bearer {override['token']}"
    for name, value in override.get("path", {}).items():
        if case.path_parameters and case.path_parameters.get(name) == DEFAULT_IDS.get(name):
            case.path_parameters[name] = value
