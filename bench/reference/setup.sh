#!/usr/bin/env bash
# Gymnasium for the kernel benchmark: the `bench` use of runtime/src/python (hash-locked in
# bench/reference/requirements.lock), linked at bench/.venv where gymnasium.ts looks for it.
cd "$(dirname "${BASH_SOURCE[0]}")/../.." && exec node --import tsx runtime/src/python/cli.ts bench --link bench/.venv >/dev/null
