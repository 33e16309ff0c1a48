"""Complementary suppression: a group hidden for too few answers stays hidden when its
figures could be had by subtraction.

A site with fewer than ``min_n`` answers shows only its n. Its unit's figures are shown
on another page, and so are its sister sites': the unit minus the sisters would be the
site. Likewise a month hidden in a report by month would be the whole range minus the
other months. So wherever exactly one group of a family is hidden (sites of a unit,
terminals of a site, units of the whole, periods of a group), the smallest other member
with answers is hidden too, and again until no family has exactly one; then subtraction
gives only the sum of two or more hidden groups.

The families are taken from every answer in the range, not only from those a filtered
report shows: a site chosen alone is hidden when it is the one that protects another.

What this does not stop: two reports over different ranges (January–March minus
January–February is March). The dashboard asks for whole months only; a month with few
answers in it is one a determined reader can still get at that way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping

#: A cell: (group, period, question).
Cell = tuple[str, str, str]


def hidden_cells(
    answers: Mapping[Cell, int], parent: Callable[[str], str | None], min_n: int
) -> set[Cell]:
    """Every cell to hide, given the number of answers of each ``(group, period,
    question)``, each group's ``parent`` (None: no family) and ``min_n``. A cell with no
    answers reveals nothing and is never counted as hidden."""
    hidden = {cell for cell, n in answers.items() if 0 < n < min_n}
    families: dict[tuple[str, ...], list[Cell]] = defaultdict(list)
    for cell in answers:
        group, period, question = cell
        mother = parent(group)
        if mother is not None:  # sisters under one parent, in one period
            families[("group", mother, period, question)].append(cell)
        if period != "total":  # periods of one group
            families[("period", group, question)].append(cell)
    changed = True
    while changed:
        changed = False
        for members in families.values():
            if _complement(members, answers, hidden):
                changed = True
    return hidden


def _complement(members: Iterable[Cell], answers: Mapping[Cell, int], hidden: set[Cell]) -> bool:
    """Hide one more member if exactly one of ``members`` is hidden; whether it did."""
    shown = [cell for cell in members if answers[cell] > 0 and cell not in hidden]
    alone = [cell for cell in members if cell in hidden]
    if len(alone) != 1 or not shown:
        return False
    hidden.add(min(shown, key=lambda cell: (answers[cell], cell)))
    return True
