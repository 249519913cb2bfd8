#!/usr/bin/env bash
# The sky130 PDK for eqchip (run by scripts/setup.sh; safe to rerun on its own).
#
# Nothing to do when PDK_ROOT (or, with PDK_ROOT unset, ciel's default root ~/.ciel) already
# holds sky130A/libs.ref/sky130_fd_sc_hd. Otherwise ciel installs sky130 at the pinned open_pdks
# version into ciel's default location: PDK_ROOT when it is set, else ~/.ciel, where eqchip
# looks when PDK_ROOT is unset. Without network access this says so, says how to point
# PDK_ROOT at an existing install, and still exits 0: the rest of the set-up is complete.
set -uo pipefail

# open_pdks version of the sky130 PDK eqchip is tested with (the one LibreLane pins; ciel has
# a prebuilt of it), and the ciel release that fetches it
OPEN_PDKS_COMMIT="0fe599b2afb6708d281543108caf8310912f54af"
CIEL_VERSION="3.2.0"
CIEL_HOME="${HOME}/.ciel"
# how ciel is run (an override is for testing this script without network)
CIEL_CMD="${EQCHIP_CIEL_CMD:-python3 -m ciel}"

has_pdk() { [ -n "$1" ] && [ -d "$1/sky130A/libs.ref/sky130_fd_sc_hd" ]; }

if has_pdk "${PDK_ROOT:-}"; then
    echo "sky130 PDK: found under PDK_ROOT=${PDK_ROOT}"
    exit 0
fi
if [ -z "${PDK_ROOT:-}" ] && has_pdk "${CIEL_HOME}"; then
    echo "sky130 PDK: found under ${CIEL_HOME} (eqchip uses it while PDK_ROOT is unset)"
    exit 0
fi
# ciel's default location, as ciel itself resolves it: PDK_ROOT when set, else ~/.ciel
TARGET="${PDK_ROOT:-${CIEL_HOME}}"

echo "sky130 PDK: not found; installing open_pdks ${OPEN_PDKS_COMMIT:0:12} (sky130_fd_sc_hd) with ciel into ${TARGET}"
if [ -z "${EQCHIP_CIEL_CMD:-}" ] && ! python3 -m ciel --version >/dev/null 2>&1; then
    python3 -m pip install --quiet --disable-pip-version-check "ciel==${CIEL_VERSION}" \
        || echo "warning: could not install ciel ${CIEL_VERSION} with pip" >&2
fi
if ${CIEL_CMD} enable --pdk-family sky130 --pdk-root "${TARGET}" \
        -l sky130_fd_sc_hd "${OPEN_PDKS_COMMIT}" && has_pdk "${TARGET}"; then
    echo "sky130 PDK: installed under ${TARGET}"
    exit 0
fi

cat >&2 <<EOF
warning: the sky130 PDK could not be fetched (no network access?); everything else is set up.
  To build, point PDK_ROOT at an existing open_pdks install, the folder that contains
  sky130A/libs.ref/sky130_fd_sc_hd:
      export PDK_ROOT=/path/to/pdks
  or rerun scripts/setup_pdk.sh with network access (it installs the PDK into ${TARGET}).
  \`eqchip doctor\` checks the result.
EOF
exit 0
