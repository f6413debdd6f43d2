"""Real files for evidence tests, made with Pillow: photo-like pictures and their resized re-saves."""

from __future__ import annotations

import random
from pathlib import Path

from PIL import Image, ImageDraw


def photo(path: Path, seed: int, size: tuple[int, int] = (800, 600), quality: int = 92) -> Path:
    """A photo-like picture: a gradient and random coloured shapes, different for each seed."""
    rng = random.Random(seed)
    w, h = size
    img = Image.new("RGB", size)
    top = tuple(rng.randrange(256) for _ in range(3))
    bottom = tuple(rng.randrange(256) for _ in range(3))
    draw = ImageDraw.Draw(img)
    for y in range(h):
        t = y / h
        draw.line(
            [(0, y), (w, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        )
    for _ in range(25):
        x0, y0 = rng.randrange(w), rng.randrange(h)
        x1, y1 = x0 + rng.randrange(40, w // 2), y0 + rng.randrange(40, h // 2)
        fill = tuple(rng.randrange(256) for _ in range(3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)([x0, y0, x1, y1], fill=fill)
    img.save(path, format="JPEG", quality=quality)
    return path


def resaved(src: Path, dest: Path, scale: float = 0.6, quality: int = 60) -> Path:
    with Image.open(src) as img:
        img.resize((int(img.width * scale), int(img.height * scale)), Image.Resampling.LANCZOS).save(
            dest, format="JPEG", quality=quality
        )
    return dest
