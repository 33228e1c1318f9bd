"""Reading a lead file: its encoding, its columns, its rows."""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.template.defaultfilters import pluralize

from qualification.intake.rows import LeadRow

# Header spellings of common CRM exports, compared without case, spaces or punctuation.
# For each of our fields the first alias present wins.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "external_id": ("leadid", "prospectid", "externalid", "crmid", "recordid", "contactid", "id"),
    "email": ("email", "emailaddress", "workemail", "businessemail", "contactemail"),
    "first_name": ("firstname", "first", "givenname", "forename"),
    "last_name": ("lastname", "last", "surname", "familyname"),
    "full_name": ("fullname", "name", "contactname", "leadname"),
    "company": (
        "company",
        "companyname",
        "accountname",
        "account",
        "organization",
        "organisation",
        "employer",
    ),
    "website": ("website", "companywebsite", "domain", "companydomain", "url", "web"),
    "title": ("jobtitle", "title", "position", "role", "whatisyourcurrentoccupation", "occupation"),
    "phone": ("phone", "phonenumber", "mobile", "telephone"),
    "country": ("country", "countrycode", "countryregion"),
    "industry": ("industry", "sector", "vertical"),
    "employees": (
        "employees",
        "employeecount",
        "numberofemployees",
        "companysize",
        "headcount",
        "size",
    ),
    "revenue": ("annualrevenue", "revenue", "revenues"),
    "source": ("leadsource", "source", "leadorigin", "channel", "utmsource"),
    "stage": ("stage", "leadstage", "leadstatus", "status", "lifecyclestage"),
    "disqualify_reason": (
        "disqualifiedreason",
        "disqualifyreason",
        "disqualificationreason",
        "lostreason",
        "rejectionreason",
        "reasoncode",
    ),
    "do_not_contact": ("donotcontact", "donotemail", "optout", "emailoptout", "unsubscribed"),
    "timezone": ("timezone", "tz"),
}


KEY_FIELDS = ("email", "external_id")


# A UTF-8 file with some lines in Windows-1252 (a row pasted in from a Windows export) is read
# line by line, UTF-8 first; the rows read otherwise say so in the report.
MIXED = "utf-8, else cp1252 line by line"


NOT_UTF8_NOTE = "not UTF-8, read as Windows-1252: check its accents"


SENTINEL = "\x1f end of the file \x1f"


class ImportFileError(Exception):
    """The file as a whole cannot be imported; the message says why, for a person."""


def _squash(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


@dataclass(frozen=True)
class FilePlan:
    encoding: str
    header: list[str]
    columns: dict[str, int]  # our field → column index
    answer_columns: dict[int, str]  # other non-empty columns, kept as form answers
    total_rows: int
    not_utf8_rows: frozenset[int] = frozenset()  # of a MIXED file, the rows read as cp1252


def map_columns(header: list[str]) -> tuple[dict[str, int], dict[int, str]]:
    squashed = [_squash(h) for h in header]
    columns: dict[str, int] = {}
    for name, aliases in FIELD_ALIASES.items():
        for alias in aliases:
            if alias in squashed and squashed.index(alias) not in columns.values():
                columns[name] = squashed.index(alias)
                break
    answers = {
        index: header[index].strip()[:100]
        for index, text in enumerate(squashed)
        if text and index not in columns.values()
    }
    return columns, answers


def _encoding_of(path: Path) -> str:
    with path.open("rb") as stream:
        head = stream.read(4096)
    if not head:
        raise ImportFileError("The file is empty.")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        raise ImportFileError(
            "This is not a CSV text file (it looks binary, e.g. an Excel workbook). "
            "Save it as CSV (UTF-8) and upload that."
        )
    for encoding in ("utf-8-sig", "cp1252"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as stream:
                for chunk in iter(lambda: stream.read(1 << 20), b""):  # noqa: B023
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            if encoding == "utf-8-sig" and _has_utf8_text(path):
                return MIXED  # UTF-8 with a few rows from elsewhere: read line by line
            continue
        return encoding
    raise ImportFileError(
        "The file's text encoding is neither UTF-8 nor Windows-1252. Save it as CSV (UTF-8)."
    )


def _byte_lines(path: Path) -> Iterator[bytes]:
    """The file's lines, split where text mode with newline="" splits them (CR, LF or CRLF)."""
    with path.open("rb") as stream:
        for chunk in stream:
            yield from chunk.splitlines(keepends=True)


def _has_utf8_text(path: Path) -> bool:
    """Whether some line holds UTF-8 beyond ASCII: then the file is UTF-8 and the lines that
    are not came from elsewhere (a Windows export pasted in), rather than all being cp1252."""
    for raw in _byte_lines(path):
        if not raw.isascii():
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                continue
            return True
    return False


def _text_lines(path: Path, encoding: str, not_utf8: set[int]) -> Iterator[str]:
    """The file's lines as text. A MIXED file is decoded line by line, UTF-8 first; the numbers
    of the lines read as Windows-1252 are added to `not_utf8`."""
    if encoding != MIXED:
        with path.open(newline="", encoding=encoding) as stream:
            yield from stream
        return
    for number, raw in enumerate(_byte_lines(path), 1):
        if number == 1:
            raw = raw.removeprefix(codecs.BOM_UTF8)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = raw.decode("cp1252")
            except UnicodeDecodeError:
                raise ImportFileError(
                    f"Line {number:,} is neither UTF-8 nor Windows-1252 text. Save the file as "
                    "CSV (UTF-8) and upload it again."
                ) from None
            not_utf8.add(number)
        yield text


def read_records(
    path: Path, encoding: str, not_utf8_rows: set[int] | None = None
) -> Iterator[tuple[int, list[str]]]:
    """(line number, values) for each non-blank CSV record, numbered by the line it starts on.

    A value may run over lines (an address, a note), but a quote that never closes, or one
    that takes in what look like whole rows, would hide those rows from the import and its
    report: that raises ImportFileError naming the line the quote opens on, as does a record
    we cannot read. With `not_utf8_rows`, the rows read as Windows-1252 are added to it."""
    not_utf8: set[int] = set()
    record: list[list[str]] = [[]]  # the text lines of the record being read

    def lines() -> Iterator[str]:
        for text in _text_lines(path, encoding, not_utf8):
            record[0].append(text)
            yield text

    reader = csv.reader(lines())
    width = 0  # the header's; until it is read, no value may run over lines
    while True:
        record[0] = []
        start = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            if "field limit" in str(error):
                raise ImportFileError(
                    f"Line {start:,} starts a value over 1 MB long: a quote that opens there and "
                    "never closes? Remove or close it and upload the file again."
                ) from error
            raise ImportFileError(f"Line {reader.line_num:,}: {error}.") from error
        if len(record[0]) > 1:
            _check_quotes(start, record[0], values, width)
        if any(value.strip() for value in values):
            width = width or len(values)
            lines_read = range(start, reader.line_num + 1)
            if not_utf8_rows is not None and not not_utf8.isdisjoint(lines_read):
                not_utf8_rows.add(start)
            yield start, values


def _check_quotes(start: int, lines: list[str], values: list[str], width: int) -> None:
    """Refuse a record over several lines whose quote is a stray one, not a value's."""
    if _quote_left_open(lines):
        after = len(lines) - 1
        raise ImportFileError(
            f"Line {start:,} opens a quote that never closes, so the {after:,} "
            f"line{pluralize(after)} after it would be read as one value and not imported. "
            f"Remove the stray quote on line {start:,}, or close it, and upload the file again."
        )
    try:
        list(csv.reader(lines, strict=True))
        well_formed = True
    except csv.Error:
        well_formed = False
    # A stray quote takes in the rest of its row and at least the start of the next: the
    # commas inside the value then add up to a whole row's, or the record has too many values.
    commas = sum(value.count(",") for value in values if "\n" in value or "\r" in value)
    if not well_formed or not width or len(values) > width or commas >= width - 1:
        end = start + len(lines) - 1
        raise ImportFileError(
            f"Line {start:,} opens a quote that runs on to line {end:,}, taking in what look "
            "like whole rows (a stray quote?). A value may run over lines, as an address or a "
            f"note does, but not over rows: remove or close the quote on line {start:,} and "
            "upload the file again."
        )


def _quote_left_open(lines: list[str]) -> bool:
    """Whether the record's last value is still inside its quote at the end of the file: a
    line after it would then be read into that value too."""
    try:
        rows = list(csv.reader([*lines, "\n", SENTINEL]))
    except csv.Error:
        return True
    return rows[-1] != [SENTINEL]


def plan_file(path: Path) -> FilePlan:
    """Check the file can be imported and count its rows, writing nothing."""
    size = path.stat().st_size
    if size > settings.IMPORT_MAX_BYTES:
        raise ImportFileError(
            f"The file is {size / 2**20:.0f} MB; imports take at most "
            f"{settings.IMPORT_MAX_BYTES / 2**20:.0f} MB. Split it."
        )
    encoding = _encoding_of(path)
    not_utf8_rows: set[int] = set()
    records = read_records(path, encoding, not_utf8_rows)
    try:
        _, header = next(records)
    except StopIteration:
        raise ImportFileError("The file has no header row and no data.") from None
    columns, answers = map_columns(header)
    if not any(key in columns for key in KEY_FIELDS):
        found = ", ".join(h for h in header if h.strip()) or "none"
        raise ImportFileError(
            "The file has no email column and no source-id column (looked for Email, Email "
            f"Address, LeadId, Prospect ID, Id…). Columns found: {found}."
        )
    total = 0
    for _ in records:
        total += 1
        if total > settings.IMPORT_MAX_ROWS:
            raise ImportFileError(
                f"The file has more than {settings.IMPORT_MAX_ROWS:,} rows; split it."
            )
    if total == 0:
        raise ImportFileError("The file has a header but no data rows.")
    return FilePlan(encoding, header, columns, answers, total, frozenset(not_utf8_rows))


def lead_row(plan: FilePlan, line: int, values: list[str]) -> LeadRow:
    row = LeadRow(line=line)
    for name, index in plan.columns.items():
        if index < len(values):
            setattr(row, name, values[index])
    row.answers = {
        label: values[index]
        for index, label in plan.answer_columns.items()
        if index < len(values) and values[index].strip()
    }
    return row


def is_ragged(plan: FilePlan, values: list[str]) -> bool:
    extra = values[len(plan.header) :]
    return any(value.strip() for value in extra)
