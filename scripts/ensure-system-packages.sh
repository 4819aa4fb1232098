#!/usr/bin/env bash
# Debian packages the tests need. Installs only what is missing, so it is quick when repeated.
# PostgreSQL for the second test run; Chromium, a font with Vietnamese glyphs and node/npm (for
# axe-core) for the browser tests, which drive Debian's Chromium and never download a browser;
# poppler-utils (pdftoppm) for the PDF screenshots.
set -euo pipefail
need=()
command -v pg_ctlcluster >/dev/null && [ -x /usr/lib/postgresql/15/bin/postgres ] || need+=(postgresql-15 postgresql-client-15)
[ -x /usr/bin/chromium ] || need+=(chromium)
dpkg -s fonts-dejavu-core >/dev/null 2>&1 || need+=(fonts-dejavu-core)
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
# pdftoppm renders the printed documents' first pages for `make screenshots` (issue 13, point 7).
command -v pdftoppm >/dev/null || need+=(poppler-utils)
if [ ${#need[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq "${need[@]}"
fi
