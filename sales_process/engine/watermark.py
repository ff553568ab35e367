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


class NotAnImage(ValueError):
	pass


def sha256(content: bytes) -> str:
	return hashlib.sha256(content).hexdigest()


def stamp(content: bytes, lines: Sequence[str], quality: int = 85) -> bytes:
	"""A JPEG copy of the image, upright, with `lines` written in a band along its bottom."""
	try:
		image = Image.open(io.BytesIO(content))
		image.load()
	except (UnidentifiedImageError, OSError) as error:
		raise NotAnImage("the file is not an image Pillow can read") from error
	image = ImageOps.exif_transpose(image).convert("RGB")
	image.thumbnail((MAX_EDGE, MAX_EDGE))

	size = max(14, image.width // 45)
	font = ImageFont.load_default(size=size)
	draw = ImageDraw.Draw(image, "RGBA")
	padding = size // 2
	line_height = size + padding // 2
	band = line_height * len(lines) + padding * 2
	draw.rectangle((0, image.height - band, image.width, image.height), fill=(0, 0, 0, 150))
	y = image.height - band + padding
	for line in lines:
		draw.text((padding, y), line, font=font, fill=(255, 255, 255, 255))
		y += line_height

	out = io.BytesIO()
	image.save(out, format="JPEG", quality=quality)
	return out.getvalue()
