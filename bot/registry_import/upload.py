"""One uploaded file and the form fields beside it, read from a ``multipart/form-data`` body.

The web server has no multipart package (FastAPI's ``UploadFile`` needs python-multipart), and
the import page needs one file and one text field, so the standard library's MIME parser
reads the body, which the web server's body limit has already capped in size.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP

from bot.jsonapi import ApiError


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes
    fields: dict[str, str]


def read_upload(content_type: str, body: bytes, file_field: str = "file") -> Upload:
    """The file in ``file_field`` and the text fields; a 400 naming what is missing."""
    if not content_type.lower().startswith("multipart/form-data"):
        raise ApiError(415, "unsupported_media_type", "请用表单上传文件（multipart/form-data）")
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1") + body
    )
    if not message.is_multipart():
        raise ApiError(400, "bad_upload", "上传的表单无法读取")
    fields: dict[str, str] = {}
    found: tuple[str, bytes] | None = None
    for part in message.iter_parts():
        assert isinstance(part, Message)
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if name == file_field and filename is not None:
            found = (filename, data)
        elif filename is None:
            fields[name] = data.decode("utf-8", "replace").strip()
    if found is None or not found[1]:
        raise ApiError(400, "file_missing", "请选择要导入的文件")
    return Upload(found[0], found[1], fields)
