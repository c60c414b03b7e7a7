"""The desktop window (PySide6). The only package besides the PDF report that imports Qt."""
