#!/usr/bin/env bash
# Gradescope runs this once, as root, in its Ubuntu image, from the folder where it unpacked
# the autograder zip (/autograder/source: this repository, with setup.sh and run_autograder
# also at the zip's top). It installs what the runner needs: Python, bubblewrap (the
# sandbox every test's student process runs in), and the pinned NumPy, torch (CPU build:
# the runner's oracle), matplotlib and tqdm of requirements.txt. The pinned NumPy needs
# Python 3.11 or newer: pick Gradescope's Ubuntu 24.04 base image.
set -euo pipefail
SOURCE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[ -f "$SOURCE/requirements.txt" ] || SOURCE="$(cd "$SOURCE/../.." && pwd)"

apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    python3 python3-pip bubblewrap

pinned() { grep -E "^$1==" "$SOURCE/requirements.txt"; }
PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install --no-cache-dir --index-url https://download.pytorch.org/whl/cpu \
    --extra-index-url https://pypi.org/simple \
    "$(pinned torch)" "$(pinned numpy)" "$(pinned matplotlib)" "$(pinned tqdm)"
