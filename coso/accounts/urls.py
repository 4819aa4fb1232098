from django.urls import path

from coso.accounts import views

# No namespace: the layout links to "login" and "logout" by these names.
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("2fa/setup/", views.totp_setup, name="totp-setup"),
    path("2fa/verify/", views.totp_verify, name="totp-verify"),
    path("password/", views.PasswordChangeView.as_view(), name="password-change"),
]
