"""Fill English translations into src/tousu/locale/en/LC_MESSAGES/django.po from a JSON file
of {msgid: msgstr} (plural entries get the same text for both forms, or a [one, other] list).
Used by `make messages` users: `python scripts/po_fill.py new.json`. Only empty entries change."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

PO = Path(__file__).resolve().parent.parent / "src/tousu/locale/en/LC_MESSAGES/django.po"


def esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def joined(block: str) -> str:
    raw = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', block))
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), raw)


def main(path: str) -> None:
    wanted: dict[str, str | list[str]] = json.loads(Path(path).read_text("utf-8"))
    entries = PO.read_text("utf-8").split("\n\n")
    filled = 0
    for i, entry in enumerate(entries):
        m = re.search(r'^msgid ((?:".*"\n)+)(msgid_plural ((?:".*"\n)+))?', entry + "\n", re.M)
        if not m:
            continue
        msgid = joined(m.group(1))
        if msgid not in wanted:
            continue
        value = wanted[msgid]
        if "#, fuzzy" in entry:  # msgmerge guessed from a similar string: replace its guess
            lines = [ln for ln in entry.split("\n") if not ln.startswith(("#, fuzzy", "#|"))]
            entry = "\n".join(lines)
            entry = re.sub(r'^msgstr ".*"$', 'msgstr ""', entry, flags=re.M)
            entry = re.sub(r'^msgstr\[(\d)\] ".*"$', r'msgstr[\1] ""', entry, flags=re.M)
            m = re.search(r'^msgid ((?:".*"\n)+)(msgid_plural ((?:".*"\n)+))?', entry + "\n", re.M)
            assert m is not None
        head = entry[: m.end()].rstrip("\n")
        if m.group(2):
            one, other = (value, value) if isinstance(value, str) else value
            if 'msgstr[0] ""\n' in entry + "\n" and not re.search(r'msgstr\[0\] "."', entry):
                entries[i] = f'{head}\nmsgstr[0] "{esc(one)}"\nmsgstr[1] "{esc(other)}"'
                filled += 1
        elif re.search(r'^msgstr ""\s*$', entry, re.M) and entry.rstrip().endswith('msgstr ""'):
            assert isinstance(value, str)
            entries[i] = f'{head}\nmsgstr "{esc(value)}"'
            filled += 1
    PO.write_text("\n\n".join(entries), "utf-8")
    print(f"filled {filled} of {len(wanted)}")


if __name__ == "__main__":
    main(sys.argv[1])
