#!/usr/bin/env bash
# TRL for the trainer benchmark: the `trl` use of runtime/src/python (hash-locked in
# bench/trainer/requirements.lock), linked at bench/trainer/.venv where its scripts say to run it.
cd "$(dirname "${BASH_SOURCE[0]}")/../.." && exec node --import tsx runtime/src/python/cli.ts trl --link bench/trainer/.venv >/dev/null
