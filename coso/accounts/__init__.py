"""Accounts, roles and scopes, API tokens, login security.

Environment (all optional; safe defaults for a single machine on localhost):
- COSO_PRODUCTION=1: secure cookies, HSTS, HTTPS redirect (COSO_SSL_REDIRECT=0 to leave it to
  the proxy), and a real COSO_SECRET_KEY is required.
- COSO_TRUSTED_PROXIES=N: number of reverse proxies whose X-Forwarded-For / -Proto are believed.
- COSO_SESSION_SECONDS (8 h), COSO_LOGIN_FAILURE_LIMIT (5), COSO_LOGIN_COOLOFF_MINUTES (15),
  COSO_PASSWORD_MIN_LENGTH (10), COSO_AXES_ENABLED (1), COSO_CSRF_TRUSTED_ORIGINS,
  COSO_LOGIN_ADDRESS_FAILURE_LIMIT (20: failures from one address across accounts).
- COSO_ADMIN_PASSWORD: the demo accounts' password (else var/admin-password.txt).

TOTP: any user may enrol an authenticator at /accounts/2fa/setup/; once enrolled it is asked at
every login. An administrator makes it mandatory for organization officers in the admin
(Cài đặt bảo mật → totp_required_for_officers).
"""
