#!/usr/bin/env bash
# The one check: lint, types, import contracts, the test suite, and the UI tests again in a real
# X window (xcb under Xvfb). Extra arguments go to the first pytest run.
set -uo pipefail
cd "$(dirname "$0")/.."
export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
PY=.venv/bin/python

step() { echo; echo "== $*"; }

step "ruff"
$PY -m ruff check src tests bench scripts installer || exit 1
step "mypy (core)"
$PY -m mypy || exit 1
step "import contracts (the core never imports Qt)"
.venv/bin/lint-imports --no-cache || exit 1

step "pytest"
$PY -m pytest "$@"
rc=$?
if [ $rc -eq 5 ]; then echo "pytest collected no tests: failing"; exit 1; fi
[ $rc -eq 0 ] || exit $rc

step "pytest -m ui under Xvfb with the xcb platform"
QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1280x1024x24" $PY -m pytest -m ui -q -p no:cacheprovider
rc=$?
if [ $rc -eq 5 ]; then echo "no UI tests collected: failing"; exit 1; fi
exit $rc
