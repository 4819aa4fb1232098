"""Every API error is JSON `{"code", "message", "details"}` with a stable code.

Codes and statuses (clients rely on them):
- `unauthorized` 401: no credentials, an unknown or revoked token.
- `forbidden` 403: a session write without a valid CSRF token, or a second factor still due.
- `not_found` 404: the object does not exist **or is outside the caller's scope** (never 403,
  so existence does not leak); also unknown routes under /api/v1/.
- `method_not_allowed` 405.
- `validation_error` 422: the request does not match the schema; `details` lists
  `{"field", "message", "type"}`.
- `refused` 409: the registry refused the operation (a `CosoError`: a rule, a date before the
  recorded history, a wrong status...). The request was well formed but conflicts with the
  registry's state, hence 409 rather than 400.
- `bad_request` 400: a body that cannot be parsed (a malformed multipart upload).
- `row_errors` 400: a file (import or plan) has bad rows; nothing was written; `details` lists
  `{"file", "row", "column", "reason"}`.
- `too_large` 413: an uploaded file over a cap (size, unpacked size, rows, cells per row).
- `server_error` 500.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from coso.core.errors import CosoError, RowErrors

logger = logging.getLogger("coso.api")

CODES_BY_STATUS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "refused",
    413: "too_large",
    422: "validation_error",
    429: "throttled",
}
MESSAGES_BY_STATUS = {
    400: "Yêu cầu không hợp lệ.",
    401: "Cần đăng nhập hoặc mã truy cập API (Authorization: Bearer …) hợp lệ.",
    403: "Không được phép thực hiện yêu cầu này.",
    404: "Không tìm thấy.",
    405: "Phương thức không được hỗ trợ.",
    413: "Tệp quá lớn.",
    429: "Quá nhiều yêu cầu, hãy thử lại sau.",
}


class ApiError(Exception):
    """An error answered as is: status, stable code, Vietnamese message, details."""

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


def field_error(field: str, message: str) -> ApiError:
    """A 422 about one field of the request body or form."""
    return ApiError(
        422,
        "validation_error",
        "Dữ liệu gửi lên không hợp lệ.",
        [{"field": field, "message": message, "type": "value_error"}],
    )


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"code": code, "message": message, "details": details}


def _respond(
    api: NinjaAPI, request: HttpRequest, status: int, code: str, message: str, details: Any = None
) -> HttpResponse:
    return api.create_response(request, error_body(code, message, details), status=status)


def _field_name(loc: Any) -> str:
    parts = [str(p) for p in (loc or [])]
    # Ninja prefixes the location with where it came from and the parameter group's name.
    if parts and parts[0] in ("body", "query", "path", "form", "file", "header", "cookie"):
        parts = parts[1:]
    if len(parts) > 1 and parts[0] in ("payload", "filters", "form", "ninja_pagination"):
        parts = parts[1:]
    return ".".join(parts)


def install_handlers(api: NinjaAPI) -> None:
    """Register the JSON error answers on `api`."""

    @api.exception_handler(ValidationError)
    def _validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        details = [
            {
                "field": _field_name(err.get("loc")),
                "message": str(err.get("msg", "")),
                "type": str(err.get("type", "")),
            }
            for err in exc.errors
        ]
        return _respond(
            api, request, 422, "validation_error", "Dữ liệu gửi lên không hợp lệ.", details
        )

    @api.exception_handler(AuthenticationError)
    def _unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = _respond(api, request, 401, "unauthorized", MESSAGES_BY_STATUS[401])
        response["WWW-Authenticate"] = 'Bearer realm="coso"'
        return response

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        message = str(exc) if exc.args and str(exc) else MESSAGES_BY_STATUS[404]
        return _respond(api, request, 404, "not_found", message)

    @api.exception_handler(RowErrors)
    def _row_errors(request: HttpRequest, exc: RowErrors) -> HttpResponse:
        rows = [
            {"file": e.file, "row": e.row, "column": e.column, "reason": e.reason}
            for e in exc.errors
        ]
        message = f"{len(rows)} lỗi trong tệp, không có thay đổi nào được ghi."
        return _respond(api, request, 400, "row_errors", message, rows)

    @api.exception_handler(CosoError)
    def _refused(request: HttpRequest, exc: CosoError) -> HttpResponse:
        return _respond(api, request, 409, "refused", str(exc))

    @api.exception_handler(ApiError)
    def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return _respond(api, request, exc.status, exc.code, exc.message, exc.details)

    @api.exception_handler(HttpError)
    def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        status = exc.status_code
        code = CODES_BY_STATUS.get(status, "error")
        message = MESSAGES_BY_STATUS.get(status, str(exc))
        if status == 403 and "CSRF" in str(exc):
            message = "Thiếu hoặc sai mã CSRF (ghi qua phiên đăng nhập cần X-CSRFToken)."
        return _respond(api, request, status, code, message)

    # Django answers these 400 on the pages; under Ninja they would reach the 500 handler
    # because the body is parsed while the operation's parameters are read.
    @api.exception_handler(MultiPartParserError)
    def _bad_multipart(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
        message = (
            "Dữ liệu tải lên (multipart/form-data) bị hỏng hoặc thiếu ranh giới (boundary); "
            "hãy gửi lại tệp trong trường «file»."
        )
        return _respond(api, request, 400, "bad_request", message)

    @api.exception_handler(TooManyFieldsSent)
    @api.exception_handler(TooManyFilesSent)
    @api.exception_handler(RequestDataTooBig)
    def _body_too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
        return _respond(api, request, 400, "bad_request", f"Yêu cầu không hợp lệ: {exc}")

    @api.exception_handler(Exception)
    def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("API error on %s %s", request.method, request.path)
        return _respond(api, request, 500, "server_error", "Lỗi hệ thống; đã ghi nhật ký.")
