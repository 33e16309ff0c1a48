"""The five grades drawn: a face for each, the scale of five targets, the bar of their shares.

A grade is told by its face, its number and its place, never by colour alone.
The scale keeps 1 to 5 in the order of the physical buttons.
"""

from __future__ import annotations

import pygame

from nojd.kiosk.widgets import Canvas, Mark, label, paragraph, wrap

GRADES = range(1, 6)


def face(canvas: Canvas, centre: tuple[int, int], radius: int, grade: int) -> None:
    """A face from a deep frown (1) to a broad smile (5), in the grade's colour. The faces
    differ in shape, not only in colour: 1 has sad brows over a deep frown, 2 a slight
    frown, 3 a straight mouth, 4 a smile and 5 an open, filled smile."""
    surface, ink = canvas.surface, canvas.theme.ink
    x, y = centre
    canvas.marks.append(Mark("face", pygame.Rect(x - radius, y - radius, 2 * radius, 2 * radius)))
    pygame.draw.circle(surface, canvas.theme.grade(grade), centre, radius)
    pygame.draw.circle(surface, ink, centre, radius, width=max(2, radius // 14))
    eye = max(2, radius // 8)
    line = max(3, radius // 9)
    for side in (-1, 1):
        pygame.draw.circle(surface, ink, (x + side * radius * 0.35, y - radius * 0.25), eye)
        if grade == 1:  # brows raised at the middle: sorrow
            inner = (x + side * radius * 0.14, y - radius * 0.58)
            outer = (x + side * radius * 0.55, y - radius * 0.42)
            pygame.draw.line(surface, ink, inner, outer, line)
    curve = {1: -1.25, 2: -0.7, 3: 0.0, 4: 0.7, 5: 1.0}[grade]
    half = radius * 0.5
    points = []
    for step in range(21):
        dx = -half + step * half / 10
        dy = curve * radius * 0.28 * (1 - (dx / half) ** 2)
        points.append((x + dx, y + radius * 0.38 - curve * radius * 0.1 + dy))
    if grade == 5:  # an open smile: the mouth filled
        pygame.draw.polygon(surface, ink, [points[0], *points, points[-1]])
    pygame.draw.lines(surface, ink, False, points, line)


def grade_columns(canvas: Canvas, band: pygame.Rect, labels: dict[int, str]) -> None:
    """Five columns side by side: face, number, and under each what it means. The words
    keep their size; the faces give way to them."""
    gap = canvas.px(2)
    width = (band.width - 4 * gap) // 5
    size = canvas.text_px(4.2)
    inner = width - canvas.px(1.5)

    def measure(line: str) -> int:
        return canvas.measure(line, size)

    lines = max((len(wrap(words, measure, inner)) for words in labels.values()), default=0)
    words_height = lines * canvas.theme.font(size).get_linesize()
    number_size = canvas.text_px(8)
    number_height = canvas.theme.font(number_size, True).get_linesize()
    room = band.height - canvas.px(4) - number_height - words_height
    radius = max(canvas.px(4), min(width * 0.37, room / 2))
    for grade in GRADES:
        rect = pygame.Rect(band.left + (grade - 1) * (width + gap), band.top, width, band.height)
        _panel(canvas, rect, grade)
        centre = (rect.centerx, round(rect.top + canvas.px(2) + radius))
        face(canvas, centre, round(radius), grade)
        under_face = (rect.centerx, centre[1] + radius)
        number = label(canvas, str(grade), number_size, under_face, "midtop", bold=True)
        if grade in labels:
            below = pygame.Rect(rect.left, number.bottom, rect.width, rect.bottom - number.bottom)
            paragraph(canvas, labels[grade], below.inflate(-canvas.px(1.5), 0), size,
                      colour=canvas.theme.muted)  # fmt: skip


def grade_rows(canvas: Canvas, band: pygame.Rect, labels: dict[int, str]) -> None:
    """Five rows one above the other (portrait), 1 at the top: face, number, and what it
    means, from the left (from the right on a right-to-left screen)."""
    gap = canvas.px(2)
    height = (band.height - 4 * gap) // 5
    for grade in GRADES:
        rect = pygame.Rect(band.left, band.top + (grade - 1) * (height + gap), band.width, height)
        _panel(canvas, rect, grade)
        radius = round(height * 0.4)
        side = 2 * radius + canvas.px(3)
        spot = canvas.mirrored(pygame.Rect(rect.left + canvas.px(3), rect.top, side, rect.height))
        centre = (spot.left + radius if not canvas.rtl else spot.right - radius, rect.centery)
        face(canvas, centre, radius, grade)
        edge = (
            centre[0] - radius - canvas.px(4) if canvas.rtl else centre[0] + radius + canvas.px(4)
        )
        anchor = "midright" if canvas.rtl else "midleft"
        number = label(canvas, str(grade), canvas.text_px(10), (edge, rect.centery), anchor,
                       bold=True)  # fmt: skip
        if grade in labels:
            if canvas.rtl:
                right = number.left - canvas.px(4)
                room = pygame.Rect(rect.left + canvas.px(2), rect.top,
                                   right - rect.left - canvas.px(2), rect.height)  # fmt: skip
            else:
                left = number.right + canvas.px(4)
                room = pygame.Rect(left, rect.top, rect.right - left - canvas.px(2), rect.height)
            paragraph(canvas, labels[grade], room, canvas.text_px(5.5),
                      colour=canvas.theme.muted, align="start")  # fmt: skip


def distribution(canvas: Canvas, rect: pygame.Rect, percent: dict[str, float]) -> None:
    """A stacked bar of the shares of each grade (or option) in order, with dividers."""
    theme = canvas.theme
    colours = [
        theme.grade(int(key)) if key.isdigit() else theme.options[i % len(theme.options)]
        for i, key in enumerate(percent)
    ]
    left = rect.left
    for colour, share in zip(colours, percent.values(), strict=True):
        width = round(rect.width * share / 100)
        if width:
            segment = pygame.Rect(left, rect.top, width, rect.height)
            pygame.draw.rect(canvas.surface, colour, segment)
            pygame.draw.line(canvas.surface, theme.ink, segment.topright, segment.bottomright, 2)
            left += width
    pygame.draw.rect(canvas.surface, theme.muted, rect, width=1)


def _panel(canvas: Canvas, rect: pygame.Rect, grade: int) -> None:
    """A grade's target, framed like every button so that its edge shows in every theme."""
    corner = canvas.px(3)
    pygame.draw.rect(canvas.surface, canvas.theme.panel, rect, border_radius=corner)
    frame = max(2, canvas.px(0.4))
    pygame.draw.rect(canvas.surface, canvas.theme.muted, rect, width=frame, border_radius=corner)
    canvas.target(rect, ("answer", grade))
