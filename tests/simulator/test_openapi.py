"""The simulator's answers held against the OpenAPI file: documented statuses and body shapes."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

import httpx
from simtools import create, finished, wait_for

from app.simulator import Simulator

SPEC = json.loads((Path(__file__).parent / "workflow-openapi.json").read_text(encoding="utf-8"))
# Statuses the contract adds to the export: key refused, rate limited, server trouble.
CONTRACT_EXTRA = {401, 403, 429, 500, 502, 503}


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        node: Any = SPEC
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def check_schema(value: Any, schema: dict[str, Any], where: str) -> None:
    """A small JSON-schema reading: type, properties, required, items, anyOf, $ref."""
    schema = resolve(schema)
    if "anyOf" in schema:
        errors = []
        for option in schema["anyOf"]:
            try:
                check_schema(value, option, where)
                return
            except AssertionError as error:
                errors.append(str(error))
        raise AssertionError(f"{where}: matches none of {errors}")
    kind = schema.get("type")
    python = {"object": dict, "array": list, "string": str, "integer": int, "boolean": bool}
    if kind in python:
        assert isinstance(value, python[kind]), f"{where}: {value!r} is not {kind}"
        if kind == "integer":
            assert not isinstance(value, bool), where
    if kind == "object":
        for key in schema.get("required", []):
            assert key in value, f"{where}: missing {key}"
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                check_schema(value[key], sub, f"{where}.{key}")
    if kind == "array" and "items" in schema:
        for index, item in enumerate(value):
            check_schema(item, schema["items"], f"{where}[{index}]")


def check_like_example(value: Any, example: Any, where: str) -> None:
    """Where the export gives only an example, the answer has its fields with the same types."""
    if isinstance(example, dict):
        assert isinstance(value, dict), f"{where}: not an object"
        for key, sub in example.items():
            assert key in value, f"{where}: missing {key}"
            if key != "options":  # template options differ per template by design
                check_like_example(value[key], sub, f"{where}.{key}")
    elif isinstance(example, list):
        assert isinstance(value, list), f"{where}: not a list"
        if example:
            for index, item in enumerate(value):
                check_like_example(item, example[0], f"{where}[{index}]")
    else:
        assert type(value) is type(example), f"{where}: {value!r} vs example {example!r}"


def operation_for(method: str, path: str) -> tuple[str, dict[str, Any]]:
    for template, operations in SPEC["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        if re.match(pattern, path) and method.lower() in operations:
            if template == "/workflow/{workflow_id}" and path == "/workflow/error-log":
                continue
            return template, operations[method.lower()]
    raise AssertionError(f"{method} {path} is not in the spec")


def exercise(sim: Simulator, photo: Path) -> list[tuple[str, str, httpx.Response]]:
    answers: list[tuple[str, str, httpx.Response]] = []
    http = httpx.Client(base_url=sim.base_url, headers={"X-Api-Key": "good"})

    def call(method: str, path: str, **kwargs: Any) -> httpx.Response:
        answer = http.request(method, path, **kwargs)
        answers.append((method, path, answer))
        return answer

    with http:
        answers.append(("GET", "/health", httpx.get(f"{sim.base_url}/health")))
        created = create(http, photo)
        answers.append(("POST", "/workflow", created))
        workflow_id = created.json()["data"]["id"]
        answers.append(("POST", "/workflow", create(http, photo, visibility_status="9")))
        sim.script("POST", "/workflow", "404", "429", "503")
        answers += [("POST", "/workflow", create(http, photo)) for _ in range(3)]
        sim.config.credit = 0
        answers.append(("POST", "/workflow", create(http, photo)))
        wait_for(http, workflow_id, finished)
        call("GET", f"/workflow/{workflow_id}")
        call("GET", f"/workflow/{uuid.uuid4()}")
        call("GET", f"/workflow/{uuid.uuid4()}", headers={"X-Api-Key": "bad"})
        answers.append(
            ("GET", f"/workflow/{workflow_id}", httpx.get(f"{sim.base_url}/workflow/{workflow_id}"))
        )
        call("PUT", f"/workflow/{workflow_id}", json={"rating": "4"})
        call("PUT", f"/workflow/{workflow_id}", json={"owner": "x"})
        call("PUT", f"/workflow/{workflow_id}", json={"visibility_status": 3})
        call("PUT", f"/workflow/{uuid.uuid4()}", json={"rating": "4"})
        call("POST", "/workflow/error-log", json={"error_message": "e"})
        call("POST", "/workflow/error-log", content=b"x")
        call("POST", "/workflow/error-log", json={})
        call("DELETE", f"/workflow/{workflow_id}")
        call("DELETE", f"/workflow/{workflow_id}")
    return answers


def test_answers_match_the_openapi_export(sim_factory, photo: Path) -> None:  # type: ignore[no-untyped-def]
    sim: Simulator = sim_factory(valid_keys=frozenset({"good"}), processing_time=0.2)
    seen: dict[str, set[int]] = {}
    for method, path, answer in exercise(sim, photo):
        template, operation = operation_for(method, path)
        status = answer.status_code
        where = f"{method} {path} {status}"
        seen.setdefault(f"{method} {template}", set()).add(status)
        documented = operation["responses"].get(str(status))
        assert documented is not None or status in CONTRACT_EXTRA, f"{where} is not documented"
        if documented is None:
            continue
        content = documented.get("content", {}).get("application/json", {})
        assert answer.headers["content-type"].startswith("application/json"), where
        body = answer.json()
        schema = content.get("schema") or {}
        if schema:
            check_schema(body, schema, where)
        if "example" in content:
            check_like_example(body, content["example"], where)
            if "message" in content["example"]:
                assert body == content["example"], where
        if status == 200:
            assert set(body) == {"data"} and isinstance(body["data"], dict), where
    assert seen == {
        "GET /health": {200},
        "POST /workflow": {200, 402, 404, 422, 429, 503},
        "GET /workflow/{workflow_id}": {200, 401, 403, 404},
        "PUT /workflow/{workflow_id}": {200, 400, 404, 422},
        "POST /workflow/error-log": {200, 400, 422},
        "DELETE /workflow/{workflow_id}": {200, 404},
    }


def test_shape_check_catches_a_wrong_body() -> None:
    schema = SPEC["paths"]["/workflow"]["post"]["responses"]["422"]["content"]["application/json"][
        "schema"
    ]
    check_schema({"detail": [{"loc": ["body", 1], "msg": "m", "type": "t"}]}, schema, "ok")
    for wrong in (
        {"detail": [{"loc": "body", "msg": "m", "type": "t"}]},
        {"detail": [{"msg": "m"}]},
    ):
        try:
            check_schema(wrong, schema, "wrong")
        except AssertionError:
            continue
        raise AssertionError(f"{wrong} passed the shape check")
