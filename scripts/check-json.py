#!/usr/bin/env python3
"""Checks that each file named is one JSON document with no duplicate key in any object
(json.load alone keeps the last of two equal keys without a word; cJSON keeps the first).

    scripts/check-json.py services/api/openapi.json ...
"""
import json
import sys


def no_duplicates(pairs):
    seen = set()
    for key, _ in pairs:
        if key in seen:
            raise ValueError(f"duplicate key {key!r}")
        seen.add(key)
    return dict(pairs)


def main(paths):
    bad = 0
    for path in paths:
        try:
            with open(path, encoding="utf-8") as f:
                json.load(f, object_pairs_hook=no_duplicates)
        except (OSError, ValueError) as e:
            print(f"{path}: {e}", file=sys.stderr)
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
