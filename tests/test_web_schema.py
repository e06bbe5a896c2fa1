"""The OpenAPI document tells the truth: schemathesis generates requests from /openapi.json against
the real server on loopback, and fails on any 5xx or any response the document does not describe.

Bounded (a fixed number of examples per operation, derandomized) so it runs in seconds.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from web_helpers import make_app, running_server

EXAMPLES = 30


@pytest.fixture(scope="module")
def server(analyzer, tmp_path_factory):
    app = make_app(analyzer, tmp_path_factory.mktemp("db") / "schema.db")
    with running_server(app) as url:
        yield url


@pytest.fixture(scope="module")
def api_schema(server):
    return schemathesis.openapi.from_url(server + "/openapi.json")


BOUNDED = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                   suppress_health_check=list(HealthCheck))


def not_asked_of(case) -> list:
    """A schema-valid POST can still name no article (HTML without text, an unreachable URL): that
    422 is documented and cannot be told from the schema, so "valid data is accepted" is not
    asked of that operation; nor of PUT .../review, whose decisions must name the analysis's own
    passages. Every other check (no 5xx, documented statuses, headers and
    bodies matching the schema, invalid data refused) still is."""
    from schemathesis.specs.openapi.checks import positive_data_acceptance

    return [positive_data_acceptance] if case.method.upper() in ("POST", "PUT") else []


def operations(api_schema) -> dict:
    return {f"{op.method.upper()} {op.path}": op for op in (r.ok() for r in api_schema.get_all_operations())}


FUZZED = ["POST /api/v1/analyses", "GET /api/v1/analyses", "GET /api/v1/analyses/{analysis_id}",
          "DELETE /api/v1/analyses/{analysis_id}", "GET /api/v1/techniques", "GET /healthz",
          "GET /api/v1/analyses/{analysis_id}/review", "PUT /api/v1/analyses/{analysis_id}/review"]


@pytest.mark.parametrize("operation", FUZZED)
def test_every_operation_answers_as_documented(api_schema, operation):
    from hypothesis import given

    op = operations(api_schema)[operation]

    @given(case=op.as_strategy())
    @BOUNDED
    def check(case):
        case.call_and_validate(excluded_checks=not_asked_of(case))

    check()


def test_every_operation_is_fuzzed(api_schema):
    """An operation added to the API without a line in FUZZED would go unchecked."""
    assert sorted(operations(api_schema)) == sorted(FUZZED)


def test_links_lead_from_a_new_analysis_to_reading_and_deleting_it(api_schema, server):
    """A stateful run: POST, then GET and DELETE by the id the links name."""
    from hypothesis.stateful import run_state_machine_as_test

    class Workflow(api_schema.as_state_machine()):
        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, additional_checks=additional_checks, excluded_checks=not_asked_of(case),
                                   transport_kwargs=kwargs or None)

    run_state_machine_as_test(Workflow, settings=settings(BOUNDED, max_examples=8, stateful_step_count=4))


def test_document_is_exact_per_operation(api_schema, server):
    import httpx

    spec = httpx.get(server + "/openapi.json").json()
    post = spec["paths"]["/api/v1/analyses"]["post"]
    assert {"200", "201", "400", "401", "403", "413", "422"} <= set(post["responses"])
    assert set(post["responses"]["201"]["links"]) == {"GetAnalysis", "DeleteAnalysis", "GetReview", "PutReview"}
    listing = spec["paths"]["/api/v1/analyses"]["get"]
    assert "413" not in listing["responses"] and "401" not in listing["responses"]
    request_schema = spec["components"]["schemas"]["AnalysisRequest"]
    assert len(request_schema["oneOf"]) == 3
    assert all(request_schema["properties"][k]["type"] == "string" for k in ("text", "url", "html"))


def test_each_status_is_described_as_it_happens_on_its_route(server):
    """The document described statuses generically ("400 body not JSON" on GET /healthz, which has
    no body; 413 on DELETE). Now each status is listed only where it can happen, in that route's words."""
    import httpx

    spec = httpx.get(server + "/openapi.json").json()
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            where = f"{method.upper()} {path}"
            described = {code: r["description"] for code, r in op["responses"].items()}
            assert "host_not_allowed" in described["400"], where
            if "requestBody" not in op:  # nothing to be malformed, too large or of the wrong type
                assert "JSON" not in described["400"] and "body" not in described["400"].lower(), where
                assert not {"413", "415"} & set(described), where
            if method == "get":  # reads need no key and are never cross-site writes
                assert not {"401", "403"} & set(described), where
    post = spec["paths"]["/api/v1/analyses"]["post"]["responses"]
    assert "malformed_json" in post["400"]["description"] and "application/json" in post["415"]["description"]
    assert "413" not in spec["paths"]["/api/v1/analyses/{analysis_id}"]["delete"]["responses"]
    assert set(spec["paths"]["/healthz"]["get"]["responses"]) == {"200", "400"}
    # FastAPI's generic "422 Validation Error" (in its own body shape) is not listed where nothing can fail:
    # a string path parameter; 422 stays where a body or a query parameter can be invalid
    can_422 = {f"{m.upper()} {p}" for p, ms in spec["paths"].items() for m, op in ms.items() if "422" in op["responses"]}
    assert can_422 == {"POST /api/v1/analyses", "GET /api/v1/analyses", "GET /api/v1/analyses/{analysis_id}/review",
                       "PUT /api/v1/analyses/{analysis_id}/review"}
    assert "HTTPValidationError" not in str(spec) and "Validation Error" not in str(spec)
