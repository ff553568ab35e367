"""Visit photo evidence: fingerprint the original and stamp a visible watermark on a copy.

Uses Pillow only. The original's SHA-256 is taken over the exact uploaded bytes,
so a swapped photo is detectable; the copy is turned upright by its EXIF
orientation first, so the stamp is readable on phone pictures.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence

from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

MAX_EDGE = 2048  # the stamped copy is scaled down to this; the original keeps its size
# larger than any phone camera (200 MP sensors bin to 12–50 MP); a bigger header is a decompression bomb
MAX_PIXELS = 120_000_000
# fonts with Chinese glyphs, if the server has one; otherwise Pillow's own (Latin only)
CJK_FONTS = (
	"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
	"/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
	"/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
	"/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
	"/usr/share/fonts/truetype/arphic/uming.ttc",
)


class NotAnImage(ValueError):
	pass


class ImageTooLarge(ValueError):
	"""The header announces more pixels than a photo has; it is refused before decoding."""

	def __init__(self, width: int | None = None, height: int | None = None):
		size = f"{width} × {height} pixels" if width and height else "the image"
		super().__init__(f"{size} is more than {MAX_PIXELS // 1_000_000} megapixels")
		self.width, self.height = width, height


def sha256(content: bytes) -> str:
	return hashlib.sha256(content).hexdigest()


def stamp(content: bytes, lines: Sequence[str], quality: int = 85) -> bytes:
	"""A JPEG copy of the image, upright, with `lines` written in a band along its bottom.

	The size in the header is checked before any pixel is decoded, and JPEGs
	are decoded straight at the reduced size, so a hostile file cannot exhaust
	memory. Lines too long for the width wrap.
	"""
	try:
		image = Image.open(io.BytesIO(content))
	except (UnidentifiedImageError, OSError) as error:
		raise NotAnImage("the file is not an image Pillow can read") from error
	except Image.DecompressionBombError as error:
		raise ImageTooLarge() from error
	width, height = image.size
	if width * height > MAX_PIXELS:
		raise ImageTooLarge(width, height)
	try:
		image.draft("RGB", (MAX_EDGE, MAX_EDGE))
		image.load()
	except (OSError, Image.DecompressionBombError) as error:
		raise NotAnImage("the file is not an image Pillow can read") from error
	image = ImageOps.exif_transpose(image).convert("RGB")
	image.thumbnail((MAX_EDGE, MAX_EDGE))

	size = max(14, image.width // 45)
	font = _font(size)
	draw = ImageDraw.Draw(image, "RGBA")
	padding = size // 2
	line_height = size + padding // 2
	lines = [part for line in lines for part in wrap(line, font, image.width - 2 * padding)]
	band = line_height * len(lines) + padding * 2
	draw.rectangle((0, image.height - band, image.width, image.height), fill=(0, 0, 0, 150))
	y = image.height - band + padding
	for line in lines:
		draw.text((padding, y), line, font=font, fill=(255, 255, 255, 255))
		y += line_height

	out = io.BytesIO()
	image.save(out, format="JPEG", quality=quality)
	return out.getvalue()


def wrap(text: str, font, width: float) -> list[str]:
	"""Break `text` into pieces no wider than `width` (at spaces where possible, else anywhere)."""
	if not text or font.getlength(text) <= width:
		return [text]
	pieces: list[str] = []
	current = ""
	for token in _tokens(text):
		candidate = current + token
		if current and font.getlength(candidate) > width:
			pieces.append(current.rstrip())
			current = token.lstrip()
		else:
			current = candidate
		while font.getlength(current) > width and len(current) > 1:
			# a single token wider than the band (a long device string): cut it
			cut = _fit(current, font, width)
			pieces.append(current[:cut])
			current = current[cut:]
	if current:
		pieces.append(current)
	return pieces


def _tokens(text: str) -> list[str]:
	tokens, word = [], ""
	for char in text:
		word += char
		if char == " " or ord(char) > 0x2E80:  # spaces, and between CJK characters
			tokens.append(word)
			word = ""
	if word:
		tokens.append(word)
	return tokens


def _fit(text: str, font, width: float) -> int:
	low, high = 1, len(text)
	while low < high:
		middle = (low + high + 1) // 2
		if font.getlength(text[:middle]) <= width:
			low = middle
		else:
			high = middle - 1
	return low


def _font(size: int):
	import os

	for path in CJK_FONTS:
		if os.path.exists(path):
			try:
				return ImageFont.truetype(path, size)
			except OSError:
				continue
	return ImageFont.load_default(size=size)
