"""One masking function for personal data in free text: mobile phones in every common form
(13812345678, 138 1234 5678, 138-1234-5678, +86 / 0086 prefixes, full-width digits), landlines,
e-mail addresses, 18-digit ID numbers and names people give about themselves (我叫张三, 本人李四,
姓名：王五). Used wherever content or an address reaches someone who must not see it: masked roles,
Open311, reports and insights.

Matching runs on a copy where full-width digits and signs are folded to ASCII one character for
one, so the spans found there are cut out of the original text."""

import re
from collections.abc import Iterable

_FOLD = str.maketrans("０１２３４５６７８９＋－　（）", "0123456789+- ()")

_SEP = r"[ \-]?"
_MOBILE = re.compile(rf"(?<![\d+])(?:(?:\+|00)?86{_SEP})?(1[3-9]\d){_SEP}\d{{4}}{_SEP}(\d{{4}})(?!\d)")
_ID_NUMBER = re.compile(r"(?<!\d)(\d{6})\d{8}(\d{3}[\dXx])(?![\dA-Za-z])")
_LANDLINE = re.compile(r"(?<![\d+])(?:\(?0\d{2,3}\)?[ \-]?)?[2-9]\d{2,3}[ \-]?\d{4}(?!\d)")
_EMAIL = re.compile(r"([A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]*@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
# A name someone gives about themselves: 2–3 Chinese characters after the phrase, then a break.
_SELF_NAME = re.compile(
    r"(我叫|我是|本人|我姓|姓名[:：]?|联系人[:：]?|报件人[:：]?|诉求人[:：]?)\s*([\u4e00-\u9fff]{1,3})(?=$|[\s，,。.、；;！!？?（(：:]|电话|手机|联系)"
)


def mask_phone(phone: str) -> str:
    """A phone field: 138****5678 (first three and last four digits kept)."""
    if not phone:
        return ""
    digits = phone.translate(_FOLD)
    found = _MOBILE.search(digits)
    if found:
        return f"{found.group(1)}****{found.group(2)}"
    if len(phone) <= 7:
        return phone[:1] + "*" * (len(phone) - 2) + phone[-1:]
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***: the family name only."""
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def mask_personal(text: str | None, *, names: Iterable[str] = ()) -> str:
    """`text` with phones, ID numbers, e-mail addresses and self-introduced names masked; `names`
    (e.g. the order's requester) are masked wherever they occur."""
    if not text:
        return text or ""
    folded = text.translate(_FOLD)
    spans: list[tuple[int, int, str]] = []

    def add(pattern: re.Pattern, replace) -> None:
        for found in pattern.finditer(folded):
            start, end = found.span()
            if any(s < end and start < e for s, e, _ in spans):
                continue
            spans.append((start, end, replace(found)))

    add(_ID_NUMBER, lambda m: m.group(1) + "********" + m.group(2))
    add(_MOBILE, lambda m: m.group(1) + "****" + m.group(2))
    add(_EMAIL, lambda m: m.group(1) + "***@***")
    add(_LANDLINE, lambda m: "********")
    for found in _SELF_NAME.finditer(folded):
        start, end = found.span(2)
        if not any(s < end and start < e for s, e, _ in spans):
            spans.append((start, end, mask_name(found.group(2))))
    for name in {n.strip() for n in names if n and len(n.strip()) >= 2}:
        for found in re.finditer(re.escape(name), folded):
            start, end = found.span()
            if not any(s < end and start < e for s, e, _ in spans):
                spans.append((start, end, mask_name(name)))
    out, position = [], 0
    for start, end, replacement in sorted(spans):
        out.append(text[position:start])
        out.append(replacement)
        position = end
    out.append(text[position:])
    return "".join(out)


def contains_personal(text: str | None) -> bool:
    """True when mask_personal would change something (used by tests and checks)."""
    return bool(text) and mask_personal(text) != text
