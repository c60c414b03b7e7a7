#!/usr/bin/env python3
"""Render the app icon, ``resources/icons/borderless.svg``, to the PNGs and the ICO shipped with it.

Qt draws the SVG (``QSvgRenderer`` onto a ``QImage``, offscreen, so no display is needed) at each
size in ``PNG_SIZES``: ``borderless-<size>.png``, used by the Linux packages (hicolor theme) and
by ``iconutil`` for the macOS ``.icns``. ``borderless.ico`` holds the sizes Windows asks for
(``ICO_SIZES``). Qt's own ICO writer stores one image per file, and leaves the padding of its
masks uninitialised (the bytes change from run to run), so the ICO is written here, as Microsoft
documents it: an ICONDIR header, one ICONDIRENTRY per image, then the images; the small sizes as
32-bit DIBs with an AND mask, 256 px as a PNG, the layout of Windows' own icons, which every
resource editor (Inno Setup's, PyInstaller's) reads.

The output depends only on the SVG and the Qt version, so running it twice writes the same bytes::

    python scripts/build_icons.py [--source resources/icons/borderless.svg] [--output-dir DIR]
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from pathlib import Path

# Before Qt is imported: render without a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

ICONS_DIR = Path(__file__).resolve().parent.parent / "resources" / "icons"
SOURCE_NAME = "borderless.svg"
PNG_SIZES = (16, 32, 48, 64, 128, 256, 512)
# 24 px is the small icon at 150 % scaling; Windows scales down from 256 for anything larger.
ICO_SIZES = (16, 24, 32, 48, 64, 256)
# From this size on, an ICO image is stored as PNG (smaller, and what Windows expects at 256).
ICO_PNG_FROM = 256
# Reserved, type (1: icon), number of images.
_ICONDIR = struct.Struct("<HHH")
# Width, height (0 for 256), colours, reserved, planes, bits per pixel, size and offset of the data.
_ICONDIRENTRY = struct.Struct("<BBBBHHII")
# Its own size, width, height, planes, bits per pixel, compression (0: none), size of the data,
# resolution across and down, colours used, colours important.
_BITMAPINFOHEADER = struct.Struct("<IiiHHIIiiII")
_BGRA = struct.Struct("<I")  # 0xAARRGGBB, little-endian: the B, G, R, A bytes a DIB stores


def render(renderer: QSvgRenderer, size: int) -> QImage:
    """The SVG drawn on a transparent square of `size` pixels."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    # Straight alpha, as PNG and the ICO's DIBs store it.
    return image.convertToFormat(QImage.Format.Format_ARGB32)


def png(image: QImage) -> bytes:
    """`image` as Qt's PNG writer writes it."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    # PySide6's stubs ask for bytes; the binding accepts only str.
    if not image.save(buffer, "PNG"):  # type: ignore[call-overload]
        raise RuntimeError("Qt cannot write PNG")
    buffer.close()
    return bytes(data.data())


def dib(image: QImage) -> bytes:
    """`image` as an ICO stores a small image: a 32-bit DIB, then a 1-bit AND mask.

    The DIB's header gives twice the height (the pixels and the mask); both are stored bottom row
    first, each row of the mask padded to 32 bits. The mask marks the fully transparent pixels,
    for the few programs that ignore the alpha channel.
    """
    width, height = image.width(), image.height()
    mask_row_bytes = (width + 31) // 32 * 4
    pixels = bytearray()
    mask = bytearray()
    for y in reversed(range(height)):
        row_mask = bytearray(mask_row_bytes)
        for x in range(width):
            argb = image.pixel(x, y)
            pixels += _BGRA.pack(argb)
            if argb >> 24 == 0:
                row_mask[x // 8] |= 0x80 >> (x % 8)
        mask += row_mask
    header = _BITMAPINFOHEADER.pack(
        _BITMAPINFOHEADER.size, width, 2 * height, 1, 32, 0, len(pixels) + len(mask), 0, 0, 0, 0
    )
    return header + bytes(pixels) + bytes(mask)


def ico(images: list[QImage]) -> bytes:
    """An ICO file holding `images` (square, at most 256 px), smallest first."""
    payloads = [png(image) if image.width() >= ICO_PNG_FROM else dib(image) for image in images]
    header = _ICONDIR.pack(0, 1, len(images))
    offset = _ICONDIR.size + _ICONDIRENTRY.size * len(images)
    entries = b""
    for image, payload in zip(images, payloads, strict=True):
        side = image.width() % 256  # 256 is written as 0
        entries += _ICONDIRENTRY.pack(side, side, 0, 0, 1, 32, len(payload), offset)
        offset += len(payload)
    return header + entries + b"".join(payloads)


def build(source: Path, output_dir: Path) -> list[Path]:
    """Write the PNGs and the ICO of `source` into `output_dir`; returns the files written."""
    renderer = QSvgRenderer(str(source))
    if not renderer.isValid():
        raise ValueError(f"Qt cannot read {source} as SVG")
    output_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for size in PNG_SIZES:
        target = output_dir / f"borderless-{size}.png"
        target.write_bytes(png(render(renderer, size)))
        written.append(target)
    target = output_dir / "borderless.ico"
    target.write_bytes(ico([render(renderer, size) for size in ICO_SIZES]))
    written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=ICONS_DIR / SOURCE_NAME)
    parser.add_argument("--output-dir", type=Path, default=ICONS_DIR)
    arguments = parser.parse_args(argv)
    # Qt's painting wants an application object alive while it draws.
    application = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    for path in build(arguments.source, arguments.output_dir):
        print(path)
    application.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
