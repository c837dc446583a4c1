#!/usr/bin/env python3
"""Prints a JSONL training log with every timing field removed (keys that name seconds or
times), one canonical JSON object a line, so that two runs' logs compare equal exactly when
their losses, metrics and epochs are identical."""
import json
import sys


def strip(value):
    if isinstance(value, dict):
        return {k: strip(v) for k, v in sorted(value.items())
                if not any(t in k.lower() for t in ("time", "second", "_s", "elapsed"))}
    if isinstance(value, list):
        return [strip(v) for v in value]
    return value


with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        if line.strip():
            print(json.dumps(strip(json.loads(line)), sort_keys=True))
