"""Which files may be attached: an allow-list checked by extension AND by content.

The client's content type and filename are hints at best; a file is accepted only
when its extension is allowed and its first bytes (or, for office documents, its
zip directory) prove it is that kind of file. The content type we later serve
comes from here, never from the upload.
"""

from __future__ import annotations

import email.parser
import io
import re
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass


def _starts(*magics: bytes) -> Callable[[bytes], bool]:
    return lambda data: data.startswith(magics)


def _webp(data: bytes) -> bool:
    return data[:4] == b"RIFF" and data[8:12] == b"WEBP"


def text_encoding(data: bytes) -> str | None:
    """`utf-8` or `windows-1252` when `data` reads as plain text, else None."""
    if b"\x00" in data:
        return None
    for encoding in ("utf-8", "windows-1252"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f")
        return encoding if controls == 0 else None
    return None


_HEADER_LINE = re.compile(rb"^[!-9;-~]+:")


def _eml(data: bytes) -> bool:
    if text_encoding(data) is None or not _HEADER_LINE.match(data):
        return False
    headers = email.parser.BytesHeaderParser().parsebytes(data)
    return any(name in headers for name in ("From", "Date", "Message-ID"))


def _zip_names(data: bytes) -> set[str] | None:
    if not data.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, ValueError):
        return None


def _ooxml(part: str) -> Callable[[bytes], bool]:
    def check(data: bytes) -> bool:
        names = _zip_names(data)
        return names is not None and "[Content_Types].xml" in names and part in names

    return check


def _opendocument(mimetype: str) -> Callable[[bytes], bool]:
    # An OpenDocument file starts with an uncompressed "mimetype" entry naming its type.
    def check(data: bytes) -> bool:
        if not data.startswith(b"PK\x03\x04") or len(data) < 30:
            return False
        name_len, extra_len = struct.unpack("<HH", data[26:30])
        start = 30 + name_len + extra_len
        return data[30:30 + name_len] == b"mimetype" and data[start:start + len(mimetype)] == mimetype.encode()

    return check


@dataclass(frozen=True)
class Kind:
    extension: str
    content_type: str
    matches: Callable[[bytes], bool]


_OPENXML = "application/vnd.openxmlformats-officedocument"
_ODF = "application/vnd.oasis.opendocument"
KINDS = {
    k.extension: k
    for k in (
        Kind("pdf", "application/pdf", _starts(b"%PDF-")),
        Kind("png", "image/png", _starts(b"\x89PNG\r\n\x1a\n")),
        Kind("jpg", "image/jpeg", _starts(b"\xff\xd8\xff")),
        Kind("jpeg", "image/jpeg", _starts(b"\xff\xd8\xff")),
        Kind("gif", "image/gif", _starts(b"GIF87a", b"GIF89a")),
        Kind("webp", "image/webp", _webp),
        Kind("txt", "text/plain", lambda data: text_encoding(data) is not None),
        Kind("csv", "text/csv", lambda data: text_encoding(data) is not None),
        Kind("docx", f"{_OPENXML}.wordprocessingml.document", _ooxml("word/document.xml")),
        Kind("xlsx", f"{_OPENXML}.spreadsheetml.sheet", _ooxml("xl/workbook.xml")),
        Kind("odt", f"{_ODF}.text", _opendocument(f"{_ODF}.text")),
        Kind("ods", f"{_ODF}.spreadsheet", _opendocument(f"{_ODF}.spreadsheet")),
        Kind("eml", "message/rfc822", _eml),
    )
}
ALLOWED = ", ".join(sorted({k.extension for k in KINDS.values()} - {"jpeg"}))


def extension(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def detect(filename: str, data: bytes) -> str | None:
    """The content type to serve `data` with, or None when it is not an allowed file."""
    kind = KINDS.get(extension(filename))
    if kind is None or not kind.matches(data):
        return None
    if kind.content_type.startswith("text/"):
        return f"{kind.content_type}; charset={text_encoding(data)}"
    return kind.content_type
