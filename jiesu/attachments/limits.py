"""The limits every upload is held to (settings.JIESU_ATTACHMENT_LIMITS overrides any of them)."""

from dataclasses import dataclass, fields

from django.conf import settings

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    image_bytes: int = 20 * MB  # a phone photo is 2–8 MB; 20 MB leaves room for panoramas
    pdf_bytes: int = 20 * MB
    image_pixels: int = 60_000_000  # larger images are refused as decompression bombs
    pdf_pages: int = 300
    pdf_decoded_bytes: int = 150 * MB  # all streams of a PDF together, once decompressed
    pdf_stream_bytes: int = 60 * MB  # any one stream, once decompressed
    pdf_objects: int = 200_000
    thumbnail_px: int = 320

    @property
    def max_bytes(self) -> int:
        return max(self.image_bytes, self.pdf_bytes)


def limits() -> Limits:
    overrides = getattr(settings, "JIESU_ATTACHMENT_LIMITS", {}) or {}
    known = {f.name for f in fields(Limits)}
    return Limits(**{k: v for k, v in overrides.items() if k in known})


def megabytes(size: int) -> str:
    return f"{size / MB:.1f} MB"
