#!/usr/bin/env python3
"""Generate the SYNTHETIC face images used by monid-core's tests.

No real person: a cartoon face drawn with flat shapes, so that the tests can check a few pixel
colours after lossy compression. Requires Pillow with OpenJPEG (the PyPI wheels include it):

    pip install pillow
    python3 test-vectors/faces/make_faces.py

Outputs (next to this script), each well under 20 KB:
    face_rgb.jpg   120x160 baseline JPEG, RGB
    face_grey.jpg  120x160 baseline JPEG, greyscale
    face_rgb.jp2   120x160 JPEG 2000 in the JP2 container, RGB
    face_rgb.j2c   120x160 raw JPEG 2000 codestream, RGB
    face_grey.jp2  120x160 JPEG 2000 (JP2), greyscale
    face_grey.j2c  120x160 raw JPEG 2000 codestream, greyscale

Known colours (the tests check them with a tolerance):
    background (corners)         RGB (40, 90, 200)   grey 87
    face (centre 60,80)          RGB (240, 200, 160) grey 209
    eyes (centres 42,62 / 78,62) RGB (20, 20, 20)
    mouth (centre 60,112)        RGB (200, 30, 30)
"""

import os

from PIL import Image, ImageDraw

W, H = 120, 160
BACKGROUND = (40, 90, 200)
SKIN = (240, 200, 160)
EYE = (20, 20, 20)
MOUTH = (200, 30, 30)
HAIR = (90, 50, 20)

here = os.path.dirname(os.path.abspath(__file__))


def draw() -> Image.Image:
    img = Image.new("RGB", (W, H), BACKGROUND)
    d = ImageDraw.Draw(img)
    d.ellipse((22, 14, 98, 60), fill=HAIR)  # hair
    d.ellipse((20, 24, 100, 140), fill=SKIN)  # face
    d.ellipse((34, 54, 50, 70), fill=EYE)  # left eye
    d.ellipse((70, 54, 86, 70), fill=EYE)  # right eye
    d.rectangle((40, 106, 80, 118), fill=MOUTH)  # mouth
    return img


def main() -> None:
    rgb = draw()
    grey = rgb.convert("L")
    out = {}
    rgb.save(os.path.join(here, "face_rgb.jpg"), "JPEG", quality=85, optimize=True)
    grey.save(os.path.join(here, "face_grey.jpg"), "JPEG", quality=85, optimize=True)
    for name, img in (("rgb", rgb), ("grey", grey)):
        # Lossy 9/7 wavelet at a fixed rate keeps the files small; no_jp2 writes a raw codestream.
        opts = dict(irreversible=True, quality_mode="rates", quality_layers=[30])
        img.save(os.path.join(here, f"face_{name}.jp2"), "JPEG2000", **opts)
        img.save(os.path.join(here, f"face_{name}.j2c"), "JPEG2000", no_jp2=True, **opts)
    for f in sorted(os.listdir(here)):
        if f.startswith("face_"):
            size = os.path.getsize(os.path.join(here, f))
            assert size < 20_000, f
            out[f] = size
    for f, size in out.items():
        print(f"{f}: {size} bytes")


if __name__ == "__main__":
    main()
