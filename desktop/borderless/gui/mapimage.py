"""The report's map as a PNG, for slides: the SVG the reports draw, rendered by Qt."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

# Pixels across: sharp on a projector and in a slide deck, and a few hundred kilobytes.
PNG_WIDTH = 2400


def write_map_png(svg: str, path: Path, width: int = PNG_WIDTH) -> None:
    """Render the SVG document `svg` to a PNG file `width` pixels wide, on white.

    Raises:
        ValueError: Qt cannot read the SVG, or cannot write the PNG.
    """
    if QGuiApplication.instance() is None:
        # Drawing into an image needs no screen: from the command line, with or without one,
        # Qt is told so. The application must outlive the drawing, so the function keeps it.
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        write_map_png.application = QGuiApplication([])  # type: ignore[attr-defined]
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    if not renderer.isValid():
        raise ValueError("the map could not be drawn (its SVG is not valid)")
    size = renderer.defaultSize()
    height = max(1, round(width * size.height() / max(1, size.width())))
    image = QImage(width, height, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.white)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, width, height))
    painter.end()
    if not image.save(str(path), "PNG"):  # type: ignore[call-overload]  # str works, stubs say bytes
        raise ValueError(f"{path}: the PNG could not be written")
