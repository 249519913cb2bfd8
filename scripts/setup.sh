#!/usr/bin/env bash
# Installs everything eqchip needs on Debian 12: the Debian packages of the flow's tools, the
# Python package with its dependencies, and the sky130 PDK (scripts/setup_pdk.sh). Run as root,
# or with sudo available.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
# iverilog + verilator (which builds with make and g++): RTL simulation and lint; opensta: timing and power (`sta`);
# tk: Tcl for the pyosys-backed yosys shim; klayout: the GDS of a routed build (SiliconCompiler's
# write.gds) and the macro GDS checks; slurm-wlm + munge: a local Slurm cluster for
# `--scheduler slurm` tests (scripts/slurm-local.sh). OpenROAD has no Debian package: README.
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends iverilog verilator make g++ opensta tcl tk klayout slurm-wlm munge >/dev/null
python3 -m pip install --quiet --disable-pip-version-check -e ".[dev]"
# the sky130 PDK: kept when PDK_ROOT (or ~/.ciel) has it, else installed with ciel into ~/.ciel;
# without network access it says how to point PDK_ROOT at an install and does not fail
bash scripts/setup_pdk.sh
