"""The template catalog shipped in `resources/templates.json`.

The catalog changes with the seasons, so it is data, never code: the app lists these templates,
builds option fields from their declared options, and accepts any other template id with
free-form options. Nothing behaves differently per template.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from app.resources import resource_path


@dataclass(frozen=True)
class TemplateOption:
    key: str
    label: str
    kind: str  # "choice" or "text"
    default: str
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Template:
    id: str
    label: str
    description: str
    options: tuple[TemplateOption, ...]

    def default_options(self) -> dict[str, Any]:
        """Options with a non-empty default, as sent when the user changes nothing."""
        return {o.key: o.default for o in self.options if o.default != ""}


@dataclass(frozen=True)
class Catalog:
    default_id: str
    templates: tuple[Template, ...]

    def get(self, template_id: str) -> Template | None:
        return next((t for t in self.templates if t.id == template_id), None)

    def label_for(self, template_id: str) -> str:
        """The catalog's label, or a readable form of an unknown id ("vim_sketch_me" → "Sketch Me")."""
        known = self.get(template_id)
        if known is not None:
            return known.label
        words = template_id.removeprefix("vim_").replace("_", " ").split()
        return " ".join(w.capitalize() for w in words) or template_id


@cache
def load_catalog() -> Catalog:
    raw = json.loads(resource_path("templates.json").read_text(encoding="utf-8"))
    templates = tuple(
        Template(
            id=t["id"],
            label=t["label"],
            description=t.get("description", ""),
            options=tuple(
                TemplateOption(
                    key=o["key"],
                    label=o.get("label", o["key"]),
                    kind=o.get("kind", "text"),
                    default=str(o.get("default", "")),
                    choices=tuple(o.get("choices", ())),
                )
                for o in t.get("options", ())
            ),
        )
        for t in raw["templates"]
    )
    return Catalog(default_id=raw["default_template"], templates=templates)
