#!/usr/bin/env python3
"""wrong_copies.py SRC DST: copies of scenarios with wrong expectations, for the tests that
check an `expect:` list can fail. Standard input is a Python dict literal: scenario name ->
[(text, replacement), ...]; each text must occur exactly once in SRC/NAME.yaml, and the copy
with every replacement made is written to DST/NAME.yaml."""
import ast
import sys


def main():
    src, dst = sys.argv[1], sys.argv[2]
    wrong = ast.literal_eval(sys.stdin.read())
    for name, subs in wrong.items():
        text = open(f"{src}/{name}.yaml").read()
        for a, b in subs:
            if text.count(a) != 1:
                sys.exit(f"{src}/{name}.yaml: {a!r} occurs {text.count(a)} times, not once")
            text = text.replace(a, b)
        open(f"{dst}/{name}.yaml", "w").write(text)


if __name__ == "__main__":
    main()
