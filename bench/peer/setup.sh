#!/usr/bin/env bash
# Create the peer's own virtual environment, outside repatria's dependencies.
#
# IBM's Graph Feature Preprocessor (GFP) ships in the proprietary `snapml` wheel. It must never
# become a dependency of repatria, so it lives only in bench/.peer-venv, created here and used
# only by the scripts in bench/peer/ that bench_detection.py and bench_features.py call.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
venv="$here/.peer-venv"
python="${PYTHON:-python3.11}"
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check "snapml==1.17.2" "lightgbm==4.6.0" "pandas" "numpy<2.3" "scikit-learn"
"$venv/bin/python" -c "from importlib.metadata import version; from snapml import GraphFeaturePreprocessor; print('snapml', version('snapml'), 'lightgbm', version('lightgbm'))"
