from __future__ import annotations

from app.engine.templates import load_catalog


def test_catalog_lists_the_contract_templates_with_options() -> None:
    catalog = load_catalog()
    new_year = catalog.get("vim_new_year_2026")
    assert new_year is not None and new_year.label == "New Year 2026"
    assert new_year.default_options() == {"aspect_ratio": "16:9", "pipeline_mode": "image"}
    frame = catalog.get("vim_instagramframeescape_0226")
    assert frame is not None
    assert {o.key: o.kind for o in frame.options}["user_name"] == "text"
    assert frame.default_options()["job_description"] == "businessman"


def test_unknown_ids_get_a_readable_label() -> None:
    catalog = load_catalog()
    assert catalog.get("vim_sketch_me") is None
    assert catalog.label_for("vim_sketch_me") == "Sketch Me"
    assert catalog.label_for("vim_arctic") == "Arctic"
