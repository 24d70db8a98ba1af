"""Check digits of the identifiers an FtM file gives, as the `followthemoney` library checks them (its `rigour.ids`
formats): a Russian INN (10 or 12 digits) and OGRN (13, or 15 for a sole trader), an LEI (ISO 17442: 20 letters
and digits, ISO 7064 mod 97-10) and an IMO number of a ship or a shipping company (7 digits, written
`IMO 9074729` or bare).

An identifier that fails its check is no identifier FtM keeps (`ftm validate` drops it), so it must not make two
actors "the same": the importer keeps it as given among the record's FtM values and warns, but never matches on
it. Other identifiers carry no check digit and are taken as given.
"""

from __future__ import annotations

_INN10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_IMO = (7, 6, 5, 4, 3, 2)
_IMO_COMPANY = (8, 6, 4, 2, 9, 7)


def _weighted(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def _inn(value: str) -> str | None:
    if not (value.isascii() and value.isdigit() and len(value) in (10, 12)):
        return "not an INN (10 or 12 digits)"
    if len(value) == 10:
        ok = _weighted(value, _INN10) == int(value[9])
    else:
        ok = _weighted(value, _INN11) == int(value[10]) and _weighted(value, _INN12) == int(value[11])
    return None if ok else "its check digit is wrong"


def _ogrn(value: str) -> str | None:
    if not (value.isascii() and value.isdigit() and len(value) in (13, 15)) or value[0] == "0":
        return "not an OGRN (13 digits, or 15 for a sole trader, not starting with 0)"
    rest = int(value[:-1]) % (11 if len(value) == 13 else 13)
    return None if (0 if rest == 10 else rest) == int(value[-1]) else "its check digit is wrong"


def _lei(value: str) -> str | None:
    value = value.upper()
    if not (len(value) == 20 and value.isascii() and value.isalnum() and value[-2:].isdigit()):
        return "not an LEI (20 letters and digits)"
    number = int("".join(str(int(ch, 36)) for ch in value))
    return None if number % 97 == 1 else "its check digits are wrong"


def _imo(value: str) -> str | None:
    """A ship's or a shipping company's number (each has its own check), as the library reads it: after an
    optional `IMO` and 5-7 digits (leading zeros dropped are put back)."""
    digits = value.upper().removeprefix("IMO").lstrip(" :.#-")
    if not (digits.isascii() and digits.isdigit() and 5 <= len(digits) <= 7) or not int(digits):
        return "not an IMO number (7 digits)"
    d = [int(ch) for ch in digits.zfill(7)]
    ship = sum(x * w for x, w in zip(d, _IMO, strict=False)) % 10 == d[6]
    company = (11 - sum(x * w for x, w in zip(d, _IMO_COMPANY, strict=False)) % 11) % 10 == d[6]
    return None if ship or company else "its check digit is wrong"


_CHECKS = {"inn": _inn, "ogrn": _ogrn, "lei": _lei, "imo": _imo}


def check_digit_problem(system: str, value: str) -> str | None:
    """Why `value` is no identifier of `system` (an importers.ftm identifier system: `inn`, `ogrn`, ...), or None
    when it passes its check or the system has none."""
    check = _CHECKS.get(system)
    return None if check is None else check("".join(value.split()) if system != "imo" else value.strip())
