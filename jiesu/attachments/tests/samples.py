"""Files for the attachment tests, made on the spot (no binary fixtures in the repository)."""

import io
import zlib

from PIL import ExifTags, Image
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, StreamObject, TextStringObject

GPS = {1: "N", 2: (39.0, 51.0, 30.0), 3: "E", 4: (116.0, 17.0, 6.0)}  # 39.858333, 116.285


def photo(*, size=(640, 480), gps=True, fmt="JPEG") -> bytes:
    """A phone-like photo: camera make/model/serial and (optionally) the GPS position in EXIF."""
    image = Image.new("RGB", size, (90, 140, 200))
    for x in range(0, size[0], 40):  # some structure so that it is not one flat colour
        image.paste((200, 80, 60), (x, 0, x + 10, size[1]))
    exif = Image.Exif()
    exif[0x010F] = "Apple"
    exif[0x0110] = "iPhone 15 Pro"
    exif[0x0131] = "17.1"
    exif[0x0112] = 1
    exif[ExifTags.IFD.Exif] = {0x9003: "2026:11:20 10:00:00", 0xA431: "SN-C39XK2", 0xA430: "张三"}
    if gps:
        exif[ExifTags.IFD.GPSInfo] = dict(GPS)
    out = io.BytesIO()
    image.save(out, fmt, exif=exif.tobytes())
    return out.getvalue()


def pdf(*, pages=1, javascript=False) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if javascript:  # an OpenAction that runs a script when the file opens
        action = DictionaryObject(
            {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert('x');")}
        )
        writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_bomb(*, decoded_mb=120) -> bytes:
    """A small PDF whose one page content stream inflates to `decoded_mb` MB of zeros."""
    compressor = zlib.compressobj(9)
    chunk = b"\0" * (1024 * 1024)
    packed = b"".join(compressor.compress(chunk) for _ in range(decoded_mb)) + compressor.flush()
    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    stream = StreamObject()
    stream._data = packed
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def executable() -> bytes:
    with open("/bin/true", "rb") as f:
        return f.read()
