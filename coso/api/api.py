"""The JSON API under /api/v1/: one NinjaAPI, routers per area, JSON errors everywhere.

OpenAPI at /api/v1/openapi.json; the interactive docs at /api/v1/docs load Swagger UI from
the installed Ninja package (coso.api.docs), so they work with no internet.
"""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema
from ninja.renderers import JSONRenderer

from coso.api import (
    acts,
    followup,
    imports,
    meetings,
    members,
    outreach,
    oversight,
    proposals,
    quality,
    reorg,
    units,
)
from coso.api.auth import SessionAuth, TokenAuth
from coso.api.docs import LocalSwagger, signed_in
from coso.api.errors import install_handlers

DESCRIPTION = """
API của Coso — sổ tổ chức đảng và đảng viên theo thời gian.

**Xác thực**: `Authorization: Bearer <mã>` với mã tạo bằng `coso token create USERNAME`,
hoặc phiên đăng nhập của trình duyệt (ghi dữ liệu cần tiêu đề `X-CSRFToken`).
Phạm vi giống hệt các trang: đối tượng ngoài phạm vi trả về 404.

**Lỗi**: luôn là JSON `{"code", "message", "details"}`: `unauthorized` 401, `forbidden` 403,
`not_found` 404, `refused` 409 (nghiệp vụ từ chối), `row_errors` 400 (tệp có dòng lỗi, không
ghi gì; `details` = `[{file, row, column, reason}]`), `validation_error` 422, `too_large` 413.

**Danh sách** được phân trang: `?page=&page_size=` (tối đa 200), trả về `{"items", "count"}`.

**Giới hạn**: ngày theo dạng `YYYY-MM-DD` hoặc `DD/MM/YYYY`, từ 01/01/1900 đến 31/12/2199
(số hay dạng khác: 422); khoảng thời gian (`from`–`to`) tối đa 10 năm (422); dòng yêu cầu
(đường dẫn và tham số) dài quá 4094 byte bị máy chủ (gunicorn) từ chối với 414, không phải JSON.

Lược đồ này (`/api/v1/openapi.json`) và trang tài liệu (`/api/v1/docs`) cũng cần mã truy cập
hoặc phiên đăng nhập.
"""


class Renderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}  # Vietnamese stays readable


class CosoAPI(NinjaAPI):
    """Ninja's API with its OpenAPI schema built once per process and path prefix.

    The schema depends only on the code (the routes and their schemas), never on who asks or
    on the data, and building it takes about half a second (Pydantic's JSON schemas of every
    operation); `/api/v1/openapi.json` used to rebuild it on every request. Lazy translated
    strings, if any, are still rendered in the language of each response.
    """

    _schemas: dict[str, OpenAPISchema]

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        cache: dict[str, OpenAPISchema] = self.__dict__.setdefault("_schemas", {})
        schema = cache.get(path_prefix)
        if schema is None:
            schema = cache[path_prefix] = super().get_openapi_schema(path_prefix=path_prefix)
        return schema


api = CosoAPI(
    title="Coso API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth()],
    docs=LocalSwagger(),
    docs_decorator=signed_in,
    renderer=Renderer(),
)
install_handlers(api)
api.add_router("", units.router)
api.add_router("", members.router)
api.add_router("", acts.router)
api.add_router("", reorg.router)
api.add_router("", imports.router)
api.add_router("", meetings.router)
api.add_router("", proposals.router)
api.add_router("", followup.router)
api.add_router("", quality.router)
api.add_router("", outreach.router)
api.add_router("", oversight.router)
