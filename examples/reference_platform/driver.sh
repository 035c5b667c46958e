#!/bin/sh
# A driver written in shell: forwards the action on stdin to an already running reference platform service.
#   REFERENCE_PLATFORM_URL=http://127.0.0.1:8090 MMLITE_PLATFORM_DRIVER=examples/reference_platform/driver.sh ...
# Start the service first: python3 examples/reference_platform/service.py --port 8090
# HTTP 200 -> exit 0 (accepted), 501 -> exit 3 (not supported), anything else -> exit 1.
set -u
: "${REFERENCE_PLATFORM_URL:?set REFERENCE_PLATFORM_URL to the service control URL, e.g. http://127.0.0.1:8090}"
body=$(mktemp) || exit 1
trap 'rm -f "$body"' EXIT
status=$(curl --silent --show-error --noproxy '*' --max-time 25 -o "$body" -w '%{http_code}' \
  -X POST -H 'Content-Type: application/json' --data-binary @- "${REFERENCE_PLATFORM_URL%/}/actions") || exit 1
case "$status" in
  200) cat "$body"; echo; exit 0 ;;
  501) cat "$body" >&2; echo >&2; exit 3 ;;
  *) echo "refused (HTTP $status): $(cat "$body")" >&2; exit 1 ;;
esac
