"""PDFs: refuse what cannot be checked or may harm a reader (encrypted files, scripts, launch
actions, embedded files), and decompression bombs — every stream is decoded under caps, each and
in total, before anything is stored; then count the pages and render a thumbnail of page one."""

import io
from dataclasses import dataclass

import pypdf
import pypdfium2
from pypdf.errors import LimitReachedError, PdfReadError, PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

from jiesu.attachments.limits import Limits, megabytes
from jiesu.common.errors import InvalidInput

# Names whose presence means active content or hidden files.
_ACTIVE = {"/JavaScript": "脚本", "/JS": "脚本", "/Launch": "启动外部程序的动作", "/EmbeddedFile": "嵌入文件"}
_ACTIVE.update({"/RichMedia": "多媒体插件内容", "/XFA": "XFA 动态表单"})


@dataclass(frozen=True)
class PdfInfo:
    pages: int
    thumbnail: bytes


def _bomb(limits: Limits, detail: str) -> InvalidInput:
    return InvalidInput(f"PDF 解压后数据异常庞大（{detail}），疑似“PDF 炸弹”，已拒绝", code="pdf_bomb")


def _check_objects(reader: pypdf.PdfReader, *, limits: Limits, size: int) -> None:
    """Walk every object reachable from the trailer: active content is refused, every stream is
    decoded (pypdf caps each decoder; the totals are capped here)."""
    seen: set[tuple[int, int]] = set()
    stack = [reader.trailer]
    decoded = 0
    visited = 0
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            item = item.get_object()
        visited += 1
        if visited > limits.pdf_objects:
            raise _bomb(limits, f"对象超过{limits.pdf_objects}个")
        if isinstance(item, DictionaryObject):
            for name, what in _ACTIVE.items():
                if name in item or item.get("/S") == name or item.get("/Type") == name:
                    raise InvalidInput(
                        f"PDF 含有{what}，存在安全风险，已拒绝。请另存为普通 PDF 后上传", code="pdf_active"
                    )
            if isinstance(item, StreamObject):
                data = item.get_data()
                decoded += len(data)
                if len(data) > limits.pdf_stream_bytes:
                    raise _bomb(limits, f"单个数据流解压后 {megabytes(len(data))}")
                if decoded > limits.pdf_decoded_bytes:
                    raise _bomb(limits, f"解压后累计超过 {megabytes(limits.pdf_decoded_bytes)}")
            stack.extend(v for k, v in item.items() if k != "/Parent")
        elif isinstance(item, ArrayObject):
            stack.extend(item)


def _thumbnail(data: bytes, *, size: int) -> bytes:
    document = pypdfium2.PdfDocument(data)
    try:
        page = document[0]
        width, height = page.get_size()
        scale = size / max(width, height, 1)
        image = page.render(scale=scale).to_pil().convert("RGB")
    finally:
        document.close()
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80, optimize=True)
    return out.getvalue()


def inspect_pdf(data: bytes, *, limits: Limits) -> PdfInfo:
    caps = {
        "zlib_maximum_output_length": limits.pdf_stream_bytes,
        "lzw_maximum_output_length": limits.pdf_stream_bytes,
        "run_length_maximum_output_length": limits.pdf_stream_bytes,
        "array_based_stream_maximum_output_length": limits.pdf_stream_bytes,
        "stream_decoding_work_maximum_length": limits.pdf_stream_bytes * 2,
    }
    try:
        with pypdf.apply_configuration(**caps):
            reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                raise InvalidInput("PDF 已加密，无法检查内容，请去除密码后上传", code="pdf_encrypted")
            pages = len(reader.pages)
            if pages == 0:
                raise InvalidInput("PDF 没有任何页面", code="pdf_empty")
            if pages > limits.pdf_pages:
                raise InvalidInput(f"PDF 共{pages}页，超过{limits.pdf_pages}页上限", code="pdf_too_many_pages")
            _check_objects(reader, limits=limits, size=len(data))
    except InvalidInput:
        raise
    except LimitReachedError:
        raise _bomb(limits, f"单个数据流解压后超过 {megabytes(limits.pdf_stream_bytes)}") from None
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, RecursionError, OSError):
        raise InvalidInput("PDF 文件已损坏或无法解析", code="pdf_corrupt") from None
    try:
        thumbnail = _thumbnail(data, size=limits.thumbnail_px)
    except (pypdfium2.PdfiumError, OSError, ValueError):
        raise InvalidInput("PDF 第一页无法显示，文件可能已损坏", code="pdf_corrupt") from None
    return PdfInfo(pages=pages, thumbnail=thumbnail)
