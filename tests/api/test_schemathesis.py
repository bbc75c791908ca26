"""Schemathesis against the live app with seeded data: no 5xx, and every response matches the OpenAPI document.

Each operation of the app's own OpenAPI document gets a bounded number of generated requests
(`MAX_EXAMPLES`), sent with the admin token so every endpoint is reachable; portfolio ids are
steered to a seeded portfolio half the time so result reads answer with real rows, not only 404s.
Driven with hypothesis directly (not schemathesis' pytest plugin) so it shares the module's
seeded, backend-parametrized `api` fixture.
"""

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

MAX_EXAMPLES = 15
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]


def test_every_operation_conforms_to_the_openapi_document(api):
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.client.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 22

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def conforms(case):
            if case.path_parameters and case.path_parameters.get("portfolio_id", 0) % 2:
                case.path_parameters["portfolio_id"] = api.mixed
            case.call_and_validate(headers=api.headers("admin"), checks=CHECKS)

        conforms()
