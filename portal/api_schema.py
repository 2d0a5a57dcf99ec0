"""OpenAPI additions: the Bearer scheme, and the problem document on every operation."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details; `errors` holds field errors for 400.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": True},
    },
    "required": ["type", "title", "status", "detail"],
}
ERRORS = {
    "400": "Invalid input; see `errors`.",
    "401": "Missing, unknown, revoked or expired token.",
    "403": "Not allowed for this token or person.",
    "404": "No such resource, or one you may not see (the two are indistinguishable).",
    "406": "The `Accept` header asks for a type this operation does not answer in.",
    "409": "The resource changed state or version, or is not complete; read it again.",
    "413": "The request body is larger than the limit given in `detail`.",
    "415": "The body is not `application/json`.",
    "429": "Too many requests; retry after the `Retry-After` seconds.",
}
# Errors that only operations with a request body can answer.
BODY_ERRORS = {"409", "413", "415"}
# Request URLs are checked as http(s) addresses with a DNS host name (at most 253 characters),
# which "format: uri" alone does not say.
HTTP_URL_PATTERN = r"^[Hh][Tt][Tt][Pp][Ss]?://[^/?#\s\x00]{1,253}([/?#][^\s\x00]*)?$"
NO_NUL_PATTERN = r"^[^\x00]*$"
# Text that may not be blank needs one character that is not white space: DRF trims it first.
NOT_BLANK_PATTERN = r"^[^\x00]*[^\s\x00-\x20\x85\xa0][^\x00]*$"
# What a client can do next with a case it was just given; schemathesis follows these links in
# its stateful phase, and generated clients can too.
CASE_LINKS = {
    "ReadCase": "cases_retrieve",
    "ChangeDraft": "cases_partial_update",
    "SubmitDraft": "cases_submit_create",
}


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An organisation's API token: `Authorization: Bearer cdpe_…`.",
        }


def add_problem_responses(result, generator, request, public):
    """Document the shared error responses on every operation."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    reference = {"$ref": "#/components/schemas/Problem"}
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            if method not in ("get", "post", "patch", "put", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            for code, description in ERRORS.items():
                if code in BODY_ERRORS and method == "get":
                    continue
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {"application/problem+json": {"schema": reference}},
                    },
                )
    return result


def describe_input_rules(result, generator, request, public):
    """Say in the schema what the API checks, so that what it accepts is what it documents:
    a PATCH needs the `version` read; request URLs are http(s) addresses."""
    components = result.get("components", {}).get("schemas", {})
    patch = components.get("PatchedCaseStudyUpdateRequest")
    if patch is not None:
        patch["required"] = sorted({*patch.get("required", []), "version"})
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            if method == "patch" and "requestBody" in operation:
                operation["requestBody"]["required"] = True  # it carries the version
            for parameter in operation.get("parameters", []):
                _no_nul(parameter.get("schema", {}))
    # Request components are split from responses (COMPONENT_SPLIT_REQUEST) and named *Request.
    for name, component in components.items():
        if not name.endswith("Request"):
            continue
        for prop in component.get("properties", {}).values():
            for variant in [prop, *prop.get("oneOf", [])]:
                if variant.get("format") == "uri":
                    variant["pattern"] = HTTP_URL_PATTERN
                _no_nul(variant)
    return result


def _no_nul(schema: dict) -> None:
    """Free text never holds NUL: portal.middleware refuses it in paths and queries, DRF's
    text fields in bodies."""
    if schema.get("type") == "array":
        _no_nul(schema.get("items", {}))
    elif schema.get("type") == "string" and not {"enum", "format", "pattern"} & set(schema):
        schema["pattern"] = NOT_BLANK_PATTERN if schema.get("minLength") else NO_NUL_PATTERN


def add_case_links(result, generator, request, public):
    """Link each answer that carries a case to the operations on that case (OpenAPI links)."""
    paths = result.get("paths", {})
    links = {
        name: {"operationId": operation_id, "parameters": {"uuid": "$response.body#/uuid"}}
        for name, operation_id in CASE_LINKS.items()
    }
    for path, method, status in [
        ("/api/v1/cases/", "post", "201"),
        ("/api/v1/cases/{uuid}/", "get", "200"),
        ("/api/v1/cases/{uuid}/", "patch", "200"),
    ]:
        response = paths.get(path, {}).get(method, {}).get("responses", {}).get(status)
        if response is not None:
            response["links"] = links
    return result
