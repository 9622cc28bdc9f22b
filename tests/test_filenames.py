"""Names from outside made safe for a directory, and unique within a set."""
from __future__ import annotations

from openwebrun.domain.filenames import MAX_NAME_BYTES, safe_filename, unique_names


def test_paths_are_cut_to_the_last_part():
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename("C:\\Users\\ada\\notes.txt") == "notes.txt"
    assert safe_filename("/tmp/") == "file"


def test_hostile_characters_and_empty_names():
    assert safe_filename("a\x00b\nc<d>.txt") == "a_b_c_d_.txt"
    assert safe_filename("  report.pdf  ") == "report.pdf"
    for empty in (None, "", "   ", ".", "..", "..."):
        assert safe_filename(empty) == "file"
    assert safe_filename(".hidden") == "hidden"


def test_unicode_is_kept():
    assert safe_filename("Résumé 履歴書.pdf") == "Résumé 履歴書.pdf"


def test_long_names_keep_their_extension():
    name = safe_filename("日本" * 200 + ".tar.gz")
    assert name.endswith(".gz") and len(name.encode("utf-8")) <= MAX_NAME_BYTES


def test_unique_names():
    assert unique_names(["a.txt", "b.txt", "A.txt", "a.txt", "Makefile", "makefile"]) == [
        "a.txt", "b.txt", "A-2.txt", "a-3.txt", "Makefile", "makefile-2"]
