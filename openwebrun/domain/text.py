"""Blank text, defined once so that the OpenAPI patterns (ECMA-262 regexes) and Python agree."""
from __future__ import annotations

# ECMA-262 WhiteSpace and LineTerminator: what `\s` means in a JSON Schema pattern.
WHITESPACE = ("\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
              "\u2028\u2029\u202f\u205f\u3000\ufeff")
_SPACE_CLASS = "\\t\\n\\u000b\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff"
# A string holding a character that is not whitespace, and no NUL (engine-independent: no `\s`).
NON_BLANK_PATTERN = f"^[^\\u0000]*[^\\u0000{_SPACE_CLASS}][^\\u0000]*$"


def is_blank(text: str) -> bool:
    return not text.strip(WHITESPACE)


def strip_blank(text: str) -> str:
    return text.strip(WHITESPACE)
