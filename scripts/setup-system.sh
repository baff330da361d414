#!/usr/bin/env bash
# Install the Debian packages profitlens needs, if they are missing.
#   demo: Pango and fonts for WeasyPrint (PDF)
#   test: also unixODBC, the SQLite ODBC driver, poppler-utils (pdftotext) and Chromium
set -euo pipefail
purpose="${1:-demo}"
packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core python3-venv)
if [ "$purpose" = "test" ]; then
  packages+=(unixodbc libsqliteodbc poppler-utils chromium)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
echo "Installing Debian packages: ${missing[*]}" >&2
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
