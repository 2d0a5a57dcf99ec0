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
    "409": "The resource changed state or version; read it again.",
    "429": "Too many requests; retry after the `Retry-After` seconds.",
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
                if code == "409" and method == "get":
                    continue
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {"application/problem+json": {"schema": reference}},
                    },
                )
    return result
