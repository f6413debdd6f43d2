"""Evidence files for the screenshots: three photo-like JPEGs (Pillow) and a repair estimate (ReportLab).

Drawn, not downloaded, so the pictures are the same on every run and carry
no one's real data.
"""

from __future__ import annotations

import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter


def _floor(path: Path) -> None:
    """Oak boards with a scorch mark in front of a heater's feet."""
    img = Image.new("RGB", (1600, 1200), (176, 128, 82))
    draw = ImageDraw.Draw(img)
    rng = random.Random(7)
    for i, y in enumerate(range(0, 1200, 150)):
        shade = 160 + (i * 13) % 30
        draw.rectangle((0, y, 1600, y + 146), fill=(shade, int(shade * 0.72), int(shade * 0.46)))
        for _ in range(40):
            x = rng.randrange(0, 1600)
            draw.line((x, y + rng.randrange(0, 140), x + rng.randrange(80, 400), y + rng.randrange(0, 140)),
                      fill=(shade - 25, int(shade * 0.62), int(shade * 0.38)), width=2)  # fmt: skip
        draw.line((0, y + 147, 1600, y + 147), fill=(90, 60, 35), width=4)
    scorch = Image.new("L", img.size, 0)
    ImageDraw.Draw(scorch).ellipse((520, 430, 1180, 900), fill=235)
    scorch = scorch.filter(ImageFilter.GaussianBlur(90))
    img = Image.composite(Image.new("RGB", img.size, (28, 20, 14)), img, scorch)
    draw = ImageDraw.Draw(img)
    draw.rectangle((600, 120, 1100, 420), fill=(210, 212, 214), outline=(120, 122, 126), width=6)
    for x in range(640, 1070, 36):
        draw.line((x, 160, x, 380), fill=(70, 72, 76), width=10)
    draw.rectangle((640, 420, 690, 470), fill=(40, 40, 40))
    draw.rectangle((1010, 420, 1060, 470), fill=(40, 40, 40))
    img.save(path, "JPEG", quality=88)


def _heater(path: Path) -> None:
    """The heater's grille, melted at one corner."""
    img = Image.new("RGB", (1200, 1600), (232, 230, 226))
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle(
        (150, 200, 1050, 1450), radius=60, fill=(200, 202, 206), outline=(96, 98, 104), width=10
    )
    for y in range(300, 1350, 48):
        draw.line((240, y, 960, y), fill=(60, 62, 68), width=18)
    melt = Image.new("L", img.size, 0)
    ImageDraw.Draw(melt).ellipse((620, 880, 1120, 1500), fill=255)
    melt = melt.filter(ImageFilter.GaussianBlur(70))
    img = Image.composite(Image.new("RGB", img.size, (52, 36, 24)), img, melt)
    ImageDraw.Draw(img).ellipse((520, 1470, 680, 1530), fill=(150, 30, 20))  # the power light
    img.save(path, "JPEG", quality=88)


def _socket(path: Path) -> None:
    """A wall socket with soot above it."""
    img = Image.new("RGB", (1400, 1050), (236, 232, 222))
    draw = ImageDraw.Draw(img)
    soot = Image.new("L", img.size, 0)
    ImageDraw.Draw(soot).polygon([(560, 620), (840, 620), (1000, 120), (400, 120)], fill=200)
    soot = soot.filter(ImageFilter.GaussianBlur(60))
    img = Image.composite(Image.new("RGB", img.size, (60, 56, 52)), img, soot)
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle(
        (520, 560, 880, 920), radius=24, fill=(248, 248, 246), outline=(150, 150, 150), width=5
    )
    for cx in (640, 760):
        draw.ellipse((cx - 26, 700, cx + 26, 752), fill=(40, 40, 40))
    img.save(path, "JPEG", quality=88)


def _estimate(path: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    c.setTitle("Repair estimate")
    c.setFont("Helvetica-Bold", 20)
    c.drawString(56, 780, "Harbor Floors & Repairs")
    c.setFont("Helvetica", 10)
    c.drawString(56, 764, "12 Quay Road, Portsmouth · estimate no. HF-2026-1184 · 2026-10-28")
    c.setFont("Helvetica-Bold", 14)
    c.drawString(56, 720, "Repair estimate: scorched oak floor, living room")
    rows = [
        ("Remove and dispose of damaged boards (3.2 m²)", "1", "$140.00"),
        ("Oak boards, 20 mm, prefinished (3.5 m²)", "3.5", "$262.50"),
        ("Fit, sand and seal to match", "6 h", "$330.00"),
        ("Skirting board, replace 2 m", "1", "$48.00"),
    ]
    y = 680
    c.setFont("Helvetica-Bold", 10)
    for x, head in ((56, "Item"), (400, "Qty"), (480, "Amount")):
        c.drawString(x, y, head)
    c.line(56, y - 6, 540, y - 6)
    c.setFont("Helvetica", 10)
    for item, qty, amount in rows:
        y -= 22
        c.drawString(56, y, item)
        c.drawString(400, y, qty)
        c.drawRightString(540, y, amount)
    c.line(56, y - 10, 540, y - 10)
    c.setFont("Helvetica-Bold", 11)
    c.drawString(56, y - 30, "Total (incl. tax)")
    c.drawRightString(540, y - 30, "$780.50")
    c.setFont("Helvetica", 9)
    c.drawString(
        56, 90, "Valid for 30 days. The damage is consistent with prolonged heat from a portable heater."
    )
    c.showPage()
    c.save()


def evidence_files(folder: Path) -> list[tuple[Path, str]]:
    """(path, kind) of the screenshot evidence, written into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    made = [
        (folder / "living-room-floor.jpg", "photo", _floor),
        (folder / "heater-grille.jpg", "photo", _heater),
        (folder / "wall-socket.jpg", "photo", _socket),
        (folder / "repair-estimate-HF-2026-1184.pdf", "repair_estimate", _estimate),
    ]
    for path, _kind, draw in made:
        draw(path)
    return [(path, kind) for path, kind, _ in made]
