"""Images: check (decodable, not a decompression bomb), the public copy without the EXIF
personal data (GPS position, camera make/model/serial, owner, software, maker notes), the
position for staff, and the thumbnail (Pillow)."""

import io
import warnings
from dataclasses import dataclass

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from jiesu.attachments.limits import Limits
from jiesu.common.errors import InvalidInput

_EXIF_IFD = ExifTags.IFD.Exif
_GPS_IFD = ExifTags.IFD.GPSInfo
# What the public copy keeps (an allowlist, so that unknown tags never leak): orientation,
# resolution and the times the photo was taken — the evidence's "when", not its "where" or "who".
_KEEP_BASE = {0x0112, 0x011A, 0x011B, 0x0128, 0x0132}
_KEEP_EXIF = {0x9003, 0x9004, 0x9010, 0x9011, 0x9012, 0xA001, 0xA002, 0xA003}
_SAVE_FORMAT = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WEBP"}


@dataclass(frozen=True)
class ImageInfo:
    width: int
    height: int
    public: bytes
    thumbnail: bytes
    exif_removed: tuple[str, ...]
    gps: tuple[float, float] | None


def _open(data: bytes, limits: Limits) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > limits.image_pixels:
                raise InvalidInput(
                    f"图片像素过多（{width}×{height}），超过 {limits.image_pixels // 1_000_000} 百万像素上限，已拒绝",
                    code="image_too_large",
                )
            image.load()
    except InvalidInput:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidInput("图片解压后过大（疑似解压炸弹），已拒绝", code="image_bomb") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise InvalidInput("图片文件已损坏或不完整，无法打开", code="image_corrupt") from None
    return image


def _tag_name(tag: int, *, gps: bool = False) -> str:
    names = ExifTags.GPSTAGS if gps else ExifTags.TAGS
    return names.get(tag, f"0x{tag:04X}")


def _gps(gps_ifd: dict) -> tuple[float, float] | None:
    def degrees(value, ref) -> float:
        d, m, s = (float(x) for x in value)
        result = d + m / 60 + s / 3600
        return -result if ref in ("S", "W") else result

    try:
        lat = degrees(gps_ifd[2], gps_ifd.get(1, "N"))
        lng = degrees(gps_ifd[4], gps_ifd.get(3, "E"))
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        return None
    return round(lat, 7), round(lng, 7)


def _clean_exif(image: Image.Image) -> tuple[Image.Exif, tuple[str, ...], tuple[float, float] | None]:
    exif = image.getexif()
    removed: list[str] = []
    gps_ifd = exif.get_ifd(_GPS_IFD)
    position = _gps(gps_ifd) if gps_ifd else None
    if gps_ifd:
        removed.append("GPSInfo")
    exif_ifd = exif.get_ifd(_EXIF_IFD)
    clean = Image.Exif()
    for tag, value in exif.items():
        if tag in (_EXIF_IFD, _GPS_IFD):
            continue
        if tag in _KEEP_BASE:
            clean[tag] = value
        else:
            removed.append(_tag_name(tag))
    kept_exif = {}
    for tag, value in exif_ifd.items():
        if tag in _KEEP_EXIF:
            kept_exif[tag] = value
        else:
            removed.append(_tag_name(tag))
    if kept_exif:
        clean.get_ifd(_EXIF_IFD).update(kept_exif)
    return clean, tuple(dict.fromkeys(removed)), position


def _public_copy(image: Image.Image, exif: Image.Exif) -> bytes:
    fmt = _SAVE_FORMAT[image.format]
    # Nothing of the original's side data travels but the colour profile: no XMP, comments,
    # Photoshop blocks or maker data (they may repeat the position or the owner).
    icc = image.info.get("icc_profile")
    image.info = {}
    out = io.BytesIO()
    options: dict = {"exif": exif.tobytes()}
    if icc:
        options["icc_profile"] = icc
    if fmt == "JPEG":
        options.update(quality="keep" if image.format == "JPEG" else 92)
        if image.format == "JPEG":
            options["subsampling"] = "keep"
    elif fmt == "WEBP":
        options.update(quality=92)
    image.save(out, format=fmt, **options)
    return out.getvalue()


def _thumbnail(image: Image.Image, *, size: int) -> bytes:
    thumb = ImageOps.exif_transpose(image.copy())
    if thumb.mode not in ("RGB", "L"):
        background = Image.new("RGB", thumb.size, "white")
        rgba = thumb.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        thumb = background
    thumb.thumbnail((size, size))
    out = io.BytesIO()
    thumb.save(out, format="JPEG", quality=80, optimize=True)
    return out.getvalue()


def inspect_image(data: bytes, *, limits: Limits) -> ImageInfo:
    image = _open(data, limits)
    width, height = image.size
    thumbnail = _thumbnail(image, size=limits.thumbnail_px)
    exif, removed, position = _clean_exif(image)
    public = _public_copy(image, exif)
    return ImageInfo(width=width, height=height, public=public, thumbnail=thumbnail, exif_removed=removed, gps=position)
