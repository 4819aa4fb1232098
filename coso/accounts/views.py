"""Login, logout, the forced password change and the TOTP second factor (enrol with a QR code,
then verify)."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from coso.accounts.middleware import MUST_CHANGE_PASSWORD
from coso.accounts.models import Account
from coso.accounts.otp import qr_svg
from coso.audit.log import AuditAction, record_write


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


def note_forced_password_change(
    sender: Any, request: HttpRequest, user: Any, **kwargs: Any
) -> None:
    """At login: remember in the session that this account must choose its own password."""
    if Account.objects.filter(user=user, must_change_password=True).exists():
        request.session[MUST_CHANGE_PASSWORD] = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"

    def get_success_url(self) -> str:
        return _next_url(self.request)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["next"] = _next_url(self.request)
        context["forced"] = bool(self.request.session.get(MUST_CHANGE_PASSWORD))
        return context

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        user = form.user
        with transaction.atomic():
            response = super().form_valid(form)
            Account.objects.filter(user=user, must_change_password=True).update(
                must_change_password=False
            )
            record_write(self.request, AuditAction.PASSWORD_CHANGE, "user:" + user.get_username())
        self.request.session.pop(MUST_CHANGE_PASSWORD, None)
        messages.success(self.request, _("Đã đổi mật khẩu."))
        return response


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Mã xác thực 6 chữ số"),
        min_length=6,
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


def _redirect_keeping_next(request: HttpRequest, name: str) -> HttpResponse:
    return HttpResponseRedirect(f"{reverse(name)}?{urlencode({'next': _next_url(request)})}")


@sensitive_post_parameters("token")
@never_cache
@csrf_protect
@login_required
def totp_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: show the secret as a QR code, confirm with one code."""
    user = request.user
    if user_has_device(user, confirmed=True) and not user.is_verified():  # type: ignore[union-attr]
        # Otherwise a stolen password would be enough to enrol a second device of one's own.
        return _redirect_keeping_next(request, "totp-verify")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="default", confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save()
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            otp_login(request, device)
            record_write(request, AuditAction.TOTP_ENROL, f"auth.user:{user.pk}")
            return HttpResponseRedirect(_next_url(request))
        form.add_error("token", _("Mã không đúng hoặc đã hết hạn; hãy thử mã mới."))
    secret = base64.b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "qr": mark_safe(qr_svg(device.config_url)),  # generated SVG, no user input
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "next": _next_url(request),
    }
    return render(request, "accounts/totp_setup.html", context)


@sensitive_post_parameters("token")
@never_cache
@csrf_protect
@login_required
def totp_verify(request: HttpRequest) -> HttpResponse:
    if not user_has_device(request.user, confirmed=True):
        return _redirect_keeping_next(request, "totp-setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            return HttpResponseRedirect(_next_url(request))
        form.add_error("token", _("Mã không đúng hoặc đã hết hạn."))
    return render(request, "accounts/totp_verify.html", {"form": form, "next": _next_url(request)})
