from __future__ import annotations

import json

from app.resources import resource_path


def test_template_catalog_is_bundled_and_has_the_default() -> None:
    catalog = json.loads(resource_path("templates.json").read_text(encoding="utf-8"))
    ids = [t["id"] for t in catalog["templates"]]
    assert catalog["default_template"] in ids
    assert len(ids) == len(set(ids)) >= 8
