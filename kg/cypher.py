"""Guards for the only parts of Cypher text that are not parameters: model identifiers."""

from __future__ import annotations

import re
from typing import LiteralString

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def ident(name: str) -> str:
    """Return ``name`` if it is a plain identifier; refuse anything else.

    Labels, relationship types and property names come from the model in kg/model.py, never
    from user text; this check makes a mistake fail loudly instead of reaching the database.
    """
    if not _IDENT.match(name):
        raise ValueError(f"not a model identifier: {name!r}")
    return name


def render(template: LiteralString, **identifiers: str) -> LiteralString:
    """Fill ``{name}`` slots of a Cypher template with model identifiers only.

    Values never go through here: they are ``$parameters``. Literal braces in the template
    (map literals) are written doubled, as with ``str.format``.
    """
    checked = {key: ident(value) for key, value in identifiers.items()}
    return template.format(**checked)
