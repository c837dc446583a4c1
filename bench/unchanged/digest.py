#!/usr/bin/env python3
"""Digest of a training run's outputs without their timings: a JSONL log (one canonical JSON
object a line) or a checkpoint (.safetensors: every tensor's bytes, and the metadata with its
JSON values parsed). Keys that hold wall-clock seconds (`seconds`, `*_seconds`) are dropped at
any depth, so two runs digest equal exactly when everything else is identical to the bit.

    digest.py FILE    prints the first 16 hex digits of the digest's SHA-256
"""
import hashlib
import json
import struct
import sys


def without_timings(value):
    if isinstance(value, dict):
        return {k: without_timings(v) for k, v in sorted(value.items())
                if not (k == "seconds" or k.endswith("_seconds") or k == "seconds_to_best" or k == "device_peak_bytes")}
    if isinstance(value, list):
        return [without_timings(v) for v in value]
    return value


def parsed(text):
    try:
        return json.loads(text)
    except ValueError:
        return text


def digest_jsonl(path, h):
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                h.update(json.dumps(without_timings(json.loads(line)), sort_keys=True).encode() + b"\n")


def digest_safetensors(path, h):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    meta = {k: parsed(v) for k, v in header.pop("__metadata__", {}).items()}
    h.update(json.dumps(without_timings(meta), sort_keys=True).encode())
    body = raw[8 + n:]
    for name in sorted(header):
        t = header[name]
        begin, end = t["data_offsets"]
        h.update(json.dumps([name, t["dtype"], t["shape"]]).encode())
        h.update(body[begin:end])


def main():
    path = sys.argv[1]
    h = hashlib.sha256()
    if path.endswith(".safetensors"):
        digest_safetensors(path, h)
    else:
        digest_jsonl(path, h)
    print(h.hexdigest()[:16])


if __name__ == "__main__":
    main()
