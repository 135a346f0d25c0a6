#!/usr/bin/env python3
"""Synthetic, invented images for the virtual chip (monid-vchip). No real person.

Draws a cartoon face from simple shapes (plus deterministic pseudo-random "texture" noise so
that the encoded sizes reach the targets) and a scribble for a signature image.

Outputs (committed next to this script):
  passport_face.jpg  JPEG,      about 19-20 KB (DG2 of Profile::passport_td3, ~20 KB)
  cnie_face.jp2      JPEG 2000, about 33-36 KB (DG2 of Profile::cnie_td1, > 32 KB)
  signature.jpg      JPEG 64x24 scribble (DG7 of Profile::cnie_td1)

Run: python3 make_faces.py   (needs Pillow with OpenJPEG, e.g. `pip install pillow`)
"""
import os
import random

from PIL import Image, ImageDraw

HERE = os.path.dirname(os.path.abspath(__file__))


def face(width, height, seed, noise):
    rnd = random.Random(seed)
    img = Image.new("RGB", (width, height), (200, 215, 235))
    d = ImageDraw.Draw(img)
    cx = width // 2
    # shoulders
    d.ellipse([cx - width * 0.45, height * 0.78, cx + width * 0.45, height * 1.3], fill=(60, 80, 140))
    # neck
    d.rectangle([cx - width * 0.08, height * 0.62, cx + width * 0.08, height * 0.82], fill=(230, 190, 160))
    # head
    d.ellipse([cx - width * 0.28, height * 0.18, cx + width * 0.28, height * 0.72], fill=(240, 200, 170))
    # hair
    d.chord([cx - width * 0.30, height * 0.12, cx + width * 0.30, height * 0.50], 180, 360, fill=(90, 60, 30))
    # eyes
    for sx in (-1, 1):
        ex = cx + sx * width * 0.11
        d.ellipse([ex - 14, height * 0.40 - 8, ex + 14, height * 0.40 + 8], fill=(255, 255, 255))
        d.ellipse([ex - 6, height * 0.40 - 6, ex + 6, height * 0.40 + 6], fill=(40, 90, 60))
    # nose and mouth
    d.line([cx, height * 0.43, cx - 8, height * 0.52, cx + 4, height * 0.53], fill=(180, 120, 100), width=3)
    d.arc([cx - 40, height * 0.50, cx + 40, height * 0.62], 20, 160, fill=(160, 50, 60), width=4)
    # deterministic texture so that the file sizes are realistic
    px = img.load()
    for _ in range(noise):
        x, y = rnd.randrange(width), rnd.randrange(height)
        r, g, b = px[x, y]
        k = rnd.randrange(-40, 41)
        px[x, y] = (max(0, min(255, r + k)), max(0, min(255, g + k)), max(0, min(255, b + k)))
    return img


def jpeg_to_target(img, path, lo, hi):
    best = None
    for q in range(5, 100):
        img.save(path, "JPEG", quality=q, optimize=True)
        size = os.path.getsize(path)
        if lo <= size <= hi:
            return size
        if size < lo:
            best = q
    raise SystemExit(f"no JPEG quality gives {lo}..{hi} bytes for {path} (last below: {best})")


def jp2_to_target(img, path, lo, hi):
    target = (lo + hi) // 2
    raw = img.width * img.height * 3
    ratio = raw / target
    for _ in range(12):
        img.save(path, "JPEG2000", quality_mode="rates", quality_layers=[ratio], irreversible=True)
        size = os.path.getsize(path)
        if lo <= size <= hi:
            return size
        ratio *= size / target
    raise SystemExit(f"no JPEG 2000 rate gives {lo}..{hi} bytes for {path}")


def signature(path):
    rnd = random.Random(7)
    img = Image.new("L", (64, 24), 255)
    d = ImageDraw.Draw(img)
    pts = [(2 + i * 4, 12 + rnd.randrange(-8, 9)) for i in range(16)]
    d.line(pts, fill=0, width=2)
    img.save(path, "JPEG", quality=60)
    return os.path.getsize(path)


if __name__ == "__main__":
    p = os.path.join(HERE, "passport_face.jpg")
    print("passport_face.jpg", jpeg_to_target(face(300, 400, 1, 24000), p, 19000, 20000))
    c = os.path.join(HERE, "cnie_face.jp2")
    print("cnie_face.jp2", jp2_to_target(face(360, 480, 2, 40000), c, 33000, 36000))
    s = os.path.join(HERE, "signature.jpg")
    print("signature.jpg", signature(s))
