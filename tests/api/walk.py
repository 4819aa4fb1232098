"""Request one matrix entry (tests/api/matrix_api.py) as one member of the cast."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.api.matrix_api import Ref


def url_of(template: str, spec: dict[str, Any], objects: Mapping[str, Any] | None = None) -> str:
    """The path, with each `Ref` replaced by the id `setup` gave under that name."""
    values = {
        key: (objects or {})[value.name] if isinstance(value, Ref) else value
        for key, value in spec.get("path", {}).items()
    }
    return template.format(**values)


def call(
    client: Client,
    method: str,
    template: str,
    spec: dict[str, Any],
    token: str | None,
    objects: Mapping[str, Any] | None = None,
) -> Any:
    """The response to the entry's request, with `token` as Bearer credentials (or none)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    url = url_of(template, spec, objects)
    if method == "GET":
        return client.get(url, spec.get("query", {}), headers=headers)
    if "json" in spec:
        return client.post(url, spec["json"], content_type="application/json", headers=headers)
    data: dict[str, Any] = dict(spec.get("form", {}))
    for field, (name, text) in spec.get("files", {}).items():
        data[field] = SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")
    return client.post(url, data, headers=headers)
