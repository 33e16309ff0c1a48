"""The faces tell the grades apart by shape, not only by colour: drawn all in one colour,
each face's lines differ from its neighbour's, and 1 from 2 as clearly as any pair."""

import itertools
from dataclasses import replace

import pygame

from nojd.kiosk.grades import face
from nojd.kiosk.theme import STANDARD
from nojd.kiosk.widgets import Canvas

GREY = (200, 200, 200)
RADIUS = 60


def lines(grade):
    """The pixels of a face's ink (its eyes, brows, mouth and rim), drawn in grey."""
    surface = pygame.Surface((2 * RADIUS + 4, 2 * RADIUS + 4))
    canvas = Canvas(surface, replace(STANDARD, grades=(GREY,) * 5))
    face(canvas, (RADIUS + 2, RADIUS + 2), RADIUS, grade)
    ink = STANDARD.ink
    width, height = surface.get_size()
    return {
        (x, y) for x in range(width) for y in range(height) if surface.get_at((x, y))[:3] == ink
    }


def test_every_face_differs_in_shape_from_every_other():
    drawn = {grade: lines(grade) for grade in range(1, 6)}
    area = 3.14159 * RADIUS * RADIUS
    apart = {
        (a, b): len(drawn[a] ^ drawn[b]) / area for a, b in itertools.combinations(range(1, 6), 2)
    }
    assert min(apart.values()) > 0.04, apart
    assert apart[(1, 2)] >= 0.06, apart  # the two unhappy faces, clearly apart
