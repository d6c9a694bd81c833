#!/usr/bin/env bash
# Lighthouse SEO and accessibility scores of the home, search, category and product pages,
# on a phone and on a desktop, against the demo catalog served locally.
#
#   bench/lighthouse.sh                      # a fresh demo instance in a temp folder, on port 5055
#   LH_BASE=http://127.0.0.1:5000 bench/lighthouse.sh   # an app already running (its SITE_URL must be that address)
#
# Lighthouse is a dev tool, not vendored: npm install --prefix /tmp/lh lighthouse@12.2.3
# (12.x: 13 wants Node 22). Chromium is Debian's. Reports land in $LH_OUT (default /tmp/lh-reports).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
LH=${LH:-/tmp/lh/node_modules/.bin/lighthouse}
PORT=${LH_PORT:-5055}
OUT=${LH_OUT:-/tmp/lh-reports}
LANG_CODE=${LH_LANG:-uk}
export CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium}
mkdir -p "$OUT"

if [[ ! -x $LH ]]; then
  echo "Lighthouse not found at $LH: npm install --prefix /tmp/lh lighthouse@12.2.3" >&2
  exit 2
fi

SERVER_PID=""
cleanup() { [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null || true; }
trap cleanup EXIT

if [[ -z ${LH_BASE:-} ]]; then
  LH_BASE="http://127.0.0.1:$PORT"
  WORK=$(mktemp -d)
  export TRADEROW_INSTANCE_PATH=$WORK/instance TRADEROW_INDEX_PATH=$WORK/index TRADEROW_UPLOAD_PATH=$WORK/uploads
  export TRADEROW_SITE_URL=$LH_BASE
  export TRADEROW_DEBUG=true  # the demo catalog loads only on a development instance
  TRADEROW_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
  export TRADEROW_SECRET_KEY
  "$ROOT/.venv/bin/traderow" init >/dev/null
  "$ROOT/.venv/bin/traderow" demo --if-empty >/dev/null
  "$ROOT/.venv/bin/traderow" run --host 127.0.0.1 --port "$PORT" >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 50); do curl -fs -o /dev/null "$LH_BASE/" && break; sleep 0.2; done
fi

# A live category and product: the first of each the sitemap lists.
first_loc() { curl -fs "$LH_BASE$1" | grep -o '<loc>[^<]*</loc>' | sed -e 's/<[^>]*>//g' | grep "$2" | head -n1; }
CATEGORY=$(first_loc /sitemaps/categories-1.xml "lang=$LANG_CODE")
PRODUCT=$(first_loc /sitemaps/products-1.xml "lang=$LANG_CODE")
declare -A PAGES=(
  [home]="$LH_BASE/?lang=$LANG_CODE"
  [search]="$LH_BASE/search?q=%D1%81%D0%BA%D0%BE%D0%B2%D0%BE%D1%80%D0%BE%D0%B4%D0%B0&lang=$LANG_CODE"
  [category]="$CATEGORY"
  [product]="$PRODUCT"
)

printf '%-9s %-8s %5s %5s  %s\n' page device seo a11y url
status=0
for name in home search category product; do
  for device in mobile desktop; do
    preset=()
    [[ $device == desktop ]] && preset=(--preset=desktop)
    report="$OUT/$name-$device.json"
    "$LH" "${PAGES[$name]}" "${preset[@]}" --only-categories=seo,accessibility --output=json \
      --output-path="$report" --quiet --chrome-flags="--headless --no-sandbox --disable-gpu"
    read -r seo a11y failed < <(python3 - "$report" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
cats = report["categories"]
failed = [
    ref["id"] for cat in cats.values() for ref in cat["auditRefs"]
    if ref["weight"] and report["audits"][ref["id"]]["score"] not in (None, 1)
]
print(round(cats["seo"]["score"] * 100), round(cats["accessibility"]["score"] * 100), ",".join(failed) or "-")
PY
    )
    printf '%-9s %-8s %5s %5s  %s  failed: %s\n' "$name" "$device" "$seo" "$a11y" "${PAGES[$name]}" "$failed"
    if (( seo < 95 || a11y < 100 )); then status=1; fi
  done
done
exit $status
