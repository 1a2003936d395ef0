"""What a file is, from its first bytes (never from its name)."""

import os
from dataclasses import dataclass

import filetype

from jiesu.attachments.models import AttachmentKind

# Accepted content types → (kind, extension the platform stores them under).
ACCEPTED = {
    "image/jpeg": (AttachmentKind.IMAGE, "jpg"),
    "image/png": (AttachmentKind.IMAGE, "png"),
    "image/webp": (AttachmentKind.IMAGE, "webp"),
    "application/pdf": (AttachmentKind.PDF, "pdf"),
}
ACCEPTED_LABEL = "JPEG、PNG、WebP 图片或 PDF 文件"

_EXECUTABLES = {"application/x-executable", "application/x-msdownload", "application/x-mach-binary"}
# Signatures filetype does not know: Mach-O (32/64 bit, both byte orders, fat) and scripts.
_MACHO = (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe")


@dataclass(frozen=True)
class Sniffed:
    content_type: str  # "" when unknown
    accepted: bool
    executable: bool
    kind: str = ""
    extension: str = ""


def sniff(head: bytes) -> Sniffed:
    """Classify a file by its first bytes (8 KiB are plenty)."""
    if head.startswith(b"#!") or head[:4] in _MACHO:
        return Sniffed(content_type="application/x-executable", accepted=False, executable=True)
    guess = filetype.guess(head)
    mime = guess.mime if guess else ""
    if mime in ACCEPTED:
        kind, extension = ACCEPTED[mime]
        return Sniffed(content_type=mime, accepted=True, executable=False, kind=kind, extension=extension)
    return Sniffed(content_type=mime, accepted=False, executable=mime in _EXECUTABLES)


def refusal(sniffed: Sniffed, *, name: str) -> str:
    """The Chinese message for a file that is not accepted, naming what it really is."""
    extension = os.path.splitext(name)[1].lower()
    claimed = f"文件扩展名为“{extension}”，但" if extension else ""
    if sniffed.executable:
        return f"{claimed}文件内容是可执行程序（{sniffed.content_type}），已拒绝上传。只接受{ACCEPTED_LABEL}"
    what = f"识别为 {sniffed.content_type}" if sniffed.content_type else "无法识别的格式"
    return f"{claimed}文件内容不是支持的类型（{what}）。只接受{ACCEPTED_LABEL}"
