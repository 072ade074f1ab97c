#!/usr/bin/env bash
# Set up everything the test suite needs on a fresh machine, then run it.
# As root it installs the Debian packages (Dovecot, LibreOffice, a CJK font);
# PostgreSQL is expected on 127.0.0.1:5432 (see README).
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(dovecot-imapd openssl libreoffice-writer-nogui libreoffice-calc-nogui python3-uno fonts-wqy-zenhei unar tesseract-ocr tesseract-ocr-chi-sim chromium chromium-driver)

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  missing=()
  for pkg in "${DEBIAN_PACKAGES[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing Debian packages: ${missing[*]}"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
  if command -v pg_isready >/dev/null && ! pg_isready -q -h 127.0.0.1 -p 5432 && command -v pg_ctlcluster >/dev/null; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  fi
fi

bash scripts/setup-venv.sh test
exec .venv/bin/python -m pytest "$@"
