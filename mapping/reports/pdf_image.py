"""A PNG drawn into a ReportLab PDF as it is: its compressed pixel data copied, not redone.

ReportLab's ``drawImage`` decodes a PNG to raw pixels, hashes them and
compresses them again: about 0.1 s for a poster's map, more for a busier map.
A PDF can hold a PNG's own ``IDAT`` data (a zlib stream of rows, each with its
PNG filter byte) with ``/FlateDecode`` and the PNG predictor (``/Predictor
15``), so an 8-bit RGB PNG without interlacing goes in byte for byte.
Anything else is drawn by ``drawImage`` as before.

ReportLab has no public call for an image stream made elsewhere, so
``draw_png`` repeats the few steps of ``Canvas.drawImage`` that register and
paint an image (ReportLab 4 and 5 alike); ``tests/test_pdf_image.py`` reads
the pixels back with PDFium, so a ReportLab that changes them fails there.
"""

from __future__ import annotations

import hashlib
import io

from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfdoc
from reportlab.pdfgen.canvas import Canvas

from mapping.reports.png import RgbData, rgb_data


class _PngXObject(pdfdoc.PDFImageXObject):
    """An image XObject whose stream is a PNG's IDAT data, decoded by the PNG predictor."""

    def __init__(self, name: str, data: RgbData) -> None:
        super().__init__(name)
        self.width, self.height = data.width, data.height
        self.streamContent = data.idat

    def format(self, document) -> bytes:  # noqa: A003 - ReportLab's name
        """The stream object: the data as it is, with the predictor that undoes PNG's filters."""
        stream = pdfdoc.PDFStream(content=self.streamContent, filters=[])
        entries = stream.dictionary
        entries["Type"] = pdfdoc.PDFName("XObject")
        entries["Subtype"] = pdfdoc.PDFName("Image")
        entries["Width"] = self.width
        entries["Height"] = self.height
        entries["BitsPerComponent"] = 8
        entries["ColorSpace"] = pdfdoc.PDFName("DeviceRGB")
        # Present, so PDFStream applies no filter of its own.
        entries["Filter"] = pdfdoc.PDFName("FlateDecode")
        entries["DecodeParms"] = pdfdoc.PDFDictionary({
            "Predictor": 15, "Colors": 3, "BitsPerComponent": 8, "Columns": self.width,
        })
        return stream.format(document)


def draw_png(canvas: Canvas, png: bytes, x: float, y: float, width: float,
             height: float) -> None:
    """Draw ``png`` stretched to the box at (x, y); its data is copied when a PDF can take it."""
    data = rgb_data(png)
    if data is None:
        canvas.drawImage(ImageReader(io.BytesIO(png)), x, y, width, height)
        return
    # What Canvas.drawImage does once it has made its image object: register
    # it once per document (by the PNG's digest), then paint it into the box.
    name = hashlib.md5(png, usedforsecurity=False).hexdigest()
    document = canvas._doc
    registered = document.getXObjectName(name)
    if registered not in document.idToObject:
        image = _PngXObject(name, data)
        canvas._setXObjects(image)
        document.Reference(image, registered)
        document.addForm(name, image)
    canvas._currentPageHasImages = 1
    canvas.saveState()
    canvas.translate(x, y)
    canvas.scale(width, height)
    canvas._code.append(f"/{registered} Do")
    canvas.restoreState()
    canvas._formsinuse.append(name)
