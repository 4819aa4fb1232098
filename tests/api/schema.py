"""The OpenAPI schema for Schemathesis, read from the NinjaAPI itself.

The schema URL needs a caller (token or session) and no user exists when test modules are
imported, so the fuzzers load the same document from the API object and send their requests
through the WSGI application as before.
"""

from __future__ import annotations

import json
from typing import Any

import schemathesis
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse

from coso.api.api import api
from coso.wsgi import application


def wsgi_schema() -> Any:
    raw = api.get_openapi_schema(path_prefix=reverse("api:api-root"))
    loaded = schemathesis.openapi.from_dict(json.loads(json.dumps(raw, cls=DjangoJSONEncoder)))
    loaded.app = application
    loaded.location = "/api/v1/openapi.json"
    return loaded
