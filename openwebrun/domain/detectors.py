"""Built-in sensitive-data detectors, usable as the match of a policy rule (`matchType: "detector"`).

Each finds candidates with a regular expression and, where the data has one, confirms them with
its checksum, so that a random 16-digit number is not a card number:

- card_number: 13 to 19 digits (spaces or dashes between groups allowed) passing the Luhn check;
- iban: country code, check digits and account part passing the ISO 13616 mod-97 check;
- us_ssn: AAA-GG-SSSS, without the never-issued areas 000, 666, 9xx, group 00 or serial 0000;
- email: an address with a dotted domain;
- phone: 10 to 15 digits written as a phone number (+, spaces, dots, dashes, parentheses);
- api_key: well-known key shapes (sk-..., AKIA..., ghp_..., xox?-..., AIza...) and long mixed
  tokens of letters and digits (32+ characters with upper, lower case and digits).
"""
from __future__ import annotations

import re
from collections.abc import Callable

CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b")
SSN = re.compile(r"(?<!\d)(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?!\d)")
EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
PHONE = re.compile(r"(?<![\w+])\+?\(?\d[\d ().-]{8,18}\d(?!\w)")
KEY_SHAPES = re.compile(
    r"\b(?:sk-(?:proj-|live_|test_)?[A-Za-z0-9_-]{20,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36,}"
    r"|xox[abprs]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35}|sk_live_[0-9A-Za-z]{24,})\b")
LONG_TOKEN = re.compile(r"\b[A-Za-z0-9_\-]{32,}\b")
IBAN_LENGTHS = {"DE": 22, "FR": 27, "GB": 22, "ES": 24, "IT": 27, "NL": 18, "BE": 16, "CH": 21, "AT": 20}


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def card_number(text: str) -> bool:
    for found in CARD.finditer(text):
        digits = re.sub(r"[ -]", "", found.group())
        if 13 <= len(digits) <= 19 and luhn_valid(digits):
            return True
    return False


def iban_valid(candidate: str) -> bool:
    compact = candidate.replace(" ", "").upper()
    expected = IBAN_LENGTHS.get(compact[:2])
    if not 15 <= len(compact) <= 34 or (expected is not None and len(compact) != expected):
        return False
    moved = compact[4:] + compact[:4]
    number = "".join(str(int(c, 36)) for c in moved)
    return int(number) % 97 == 1


def iban(text: str) -> bool:
    return any(iban_valid(m.group()) for m in IBAN.finditer(text.upper()))


def us_ssn(text: str) -> bool:
    return SSN.search(text) is not None


def email(text: str) -> bool:
    return EMAIL.search(text) is not None


def phone(text: str) -> bool:
    for found in PHONE.finditer(text):
        value = found.group()
        digits = re.sub(r"\D", "", value)
        if 10 <= len(digits) <= 15 and not re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", value):  # not a date
            return True
    return False


def api_key(text: str) -> bool:
    if KEY_SHAPES.search(text):
        return True
    for found in LONG_TOKEN.finditer(text):
        token = found.group()
        if (any(c.isdigit() for c in token) and any(c.isupper() for c in token)
                and any(c.islower() for c in token)):
            return True
    return False


DETECTORS: dict[str, Callable[[str], bool]] = {
    "card_number": card_number,
    "iban": iban,
    "us_ssn": us_ssn,
    "email": email,
    "phone": phone,
    "api_key": api_key,
}
