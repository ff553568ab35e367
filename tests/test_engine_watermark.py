import io

import pytest
from PIL import Image

from sales_process.engine.watermark import NotAnImage, sha256, stamp

LINES = ["2026-11-23 10:15:02 server time", "29.868300, 121.544000 · 212 m", "device: iPhone Safari"]


def jpeg(width=640, height=480, orientation=None, colour=(30, 120, 200)):
	image = Image.new("RGB", (width, height), colour)
	out = io.BytesIO()
	if orientation:
		exif = Image.Exif()
		exif[0x0112] = orientation
		image.save(out, format="JPEG", exif=exif)
	else:
		image.save(out, format="JPEG")
	return out.getvalue()


def test_stamp_writes_a_dark_band_with_text_at_the_bottom():
	copy = Image.open(io.BytesIO(stamp(jpeg(), LINES)))
	assert copy.format == "JPEG" and copy.size == (640, 480)
	top = copy.getpixel((320, 10))
	band = [copy.getpixel((x, 470)) for x in range(0, 640, 4)]
	assert sum(top) > sum(band[-1])  # the band darkens the picture
	assert any(sum(pixel) > 600 for pixel in band) or any(
		sum(copy.getpixel((x, y))) > 600 for x in range(0, 400, 2) for y in range(400, 480, 2)
	)  # white text somewhere in it


def test_exif_orientation_is_respected():
	# stored landscape, orientation 6 = rotate 90°: shown (and stamped) as portrait
	copy = Image.open(io.BytesIO(stamp(jpeg(640, 480, orientation=6), LINES)))
	assert copy.size == (480, 640)


def test_large_photos_are_scaled_down_keeping_proportions():
	copy = Image.open(io.BytesIO(stamp(jpeg(4000, 3000), LINES)))
	assert copy.size == (2048, 1536)


def test_png_with_transparency_becomes_a_jpeg():
	image = Image.new("RGBA", (200, 100), (255, 0, 0, 0))
	out = io.BytesIO()
	image.save(out, format="PNG")
	assert Image.open(io.BytesIO(stamp(out.getvalue(), LINES))).format == "JPEG"


@pytest.mark.parametrize("content", [b"%PDF-1.7 not a picture", b"", b"\xff\xd8\xff\xe0 truncated jpeg"])
def test_a_file_that_is_not_an_image_is_refused(content):
	with pytest.raises(NotAnImage):
		stamp(content, LINES)


def test_hash_is_of_the_exact_original_bytes():
	original = jpeg()
	assert sha256(original) == sha256(bytes(original))
	assert sha256(original) != sha256(jpeg(colour=(0, 0, 0)))
	assert len(sha256(original)) == 64


def png_header_only(width, height) -> bytes:
	"""A PNG that announces a size and carries (almost) no pixels: a decompression bomb's header."""
	import struct
	import zlib

	def chunk(kind, data):
		return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

	header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
	return (
		b"\x89PNG\r\n\x1a\n"
		+ chunk(b"IHDR", header)
		+ chunk(b"IDAT", zlib.compress(b"\0" * 16))
		+ chunk(b"IEND", b"")
	)


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize("width, height", [(12_000, 12_000), (100_000, 100_000)])
def test_a_huge_image_is_refused_from_its_header_without_decoding(width, height):
	from sales_process.engine.watermark import ImageTooLarge

	bomb = png_header_only(width, height)
	assert len(bomb) < 200
	with pytest.raises(ImageTooLarge, match="megapixels"):
		stamp(bomb, LINES)


def test_a_large_phone_photo_is_decoded_at_the_reduced_size():
	copy = Image.open(io.BytesIO(stamp(jpeg(4000, 3000), LINES)))
	assert max(copy.size) <= 2048


def test_long_lines_wrap_inside_the_picture():
	from PIL import ImageFont

	from sales_process.engine.watermark import wrap

	font = ImageFont.load_default(size=14)
	device = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
	pieces = wrap(device, font, 200)
	assert len(pieces) > 2
	assert all(font.getlength(piece) <= 200 for piece in pieces)
	assert "".join(pieces).replace(" ", "") == device.replace(" ", "")
	unbroken = "x" * 300
	assert all(font.getlength(piece) <= 200 for piece in wrap(unbroken, font, 200))
	assert wrap("short", font, 200) == ["short"]
