"""Complementary suppression: a group hidden for too few answers stays hidden when its
figures could be had by subtraction.

A site with fewer than ``min_n`` answers shows only its n. Its unit's figures are shown
on another page, and so are its sister sites': the unit minus the sisters would be the
site. Likewise a month hidden in a report by month would be its year minus the other
months, and a unit hidden to protect another would be its only site, shown by site.

So the cells to hide are worked out once for every report of a range together: the
*lattice* of organisation levels (terminal, site, unit, all) by time levels (month,
tertial, year, the whole range), per question. A cell is a family's parent (its unit, its
year) and a child of two families (its sisters under one parent at the same time; its
months under one year for the same group). In every family:

- a parent shown with exactly one child hidden: the smallest other child with answers is
  hidden too (the parent minus the rest would be the hidden one);
- a parent hidden with every child shown: the smallest child is hidden (the children's
  sum would be the parent; a unit of one site is that site);

again until no family breaks a rule; then subtraction gives only the sum of two or more
hidden cells. A report of any grouping and of the period total, month, tertial or year
shows the lattice's cells, so no two of them contradict each other. Reports by day or
week (the API's) are checked within themselves only (:func:`hidden_cells`).

The lattice is built from every answer in the range, not only from those a filtered
report shows: a site chosen alone is hidden when it is the one that protects another.

What this does not stop: two reports over different ranges (January–March minus
January–February is March). The dashboard asks for whole months only; a month with few
answers in it is one a determined reader can still get at that way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence

#: A cell: (group, period, question).
Cell = tuple[str, str, str]
#: A node of the organisation (``("site", "kc")``) or of time (``("month", "2026-11")``).
Node = tuple[str, str]
#: A cell of the lattice: (organisation node, time node, question).
Place = tuple[Node, Node, str]
#: The answers of one rollup row: its organisation nodes from the terminal up to
#: ``("all", "all")``, its time nodes from the month up to ``("total", "total")``, the
#: question and the number of answers.
Row = tuple[Sequence[Node], Sequence[Node], str, int]


def hidden_places(rows: Iterable[Row], min_n: int) -> set[Place]:
    """Every cell of the lattice to hide, from the answers of every row in the range."""
    answers: dict[Place, int] = defaultdict(int)
    up: dict[Node, Node | None] = {}
    for organisation, times, question, n in rows:
        for chain in (organisation, times):
            for index, node in enumerate(chain):
                up[node] = chain[index + 1] if index + 1 < len(chain) else None
        for place in organisation:
            for moment in times:
                answers[(place, moment, question)] += n
    families: dict[tuple[str, Node, Node, str], list[Place]] = defaultdict(list)
    belongs: dict[Place, list[tuple[str, Node, Node, str]]] = defaultdict(list)
    for cell in answers:
        place, moment, question = cell
        for kind, key in (("place", (up[place], moment)), ("time", (place, up[moment]))):
            if key[0] is None or key[1] is None:
                continue
            family = (kind, key[0], key[1], question)
            families[family].append(cell)
            belongs[cell].append(family)
            belongs[(key[0], key[1], question)].append(family)
    hidden = {cell for cell, n in answers.items() if 0 < n < min_n}
    waiting = list(families)
    while waiting:
        family = waiting.pop()
        _, parent_place, parent_time, question = family
        parent = (parent_place, parent_time, question)
        more = _breaks(families[family], parent in hidden, answers, hidden)
        if more is not None:
            hidden.add(more)
            waiting.extend(belongs[more])
    return hidden


def _breaks(
    children: list[Place], parent_hidden: bool, answers: Mapping[Place, int], hidden: set[Place]
) -> Place | None:
    """The child to hide so that no child of this family can be had by subtraction and
    the parent cannot be had as the sum of its children; None when all is well."""
    shown = [cell for cell in children if answers[cell] > 0 and cell not in hidden]
    if not shown:
        return None
    alone = sum(1 for cell in children if cell in hidden)
    if (parent_hidden and alone == 0) or (not parent_hidden and alone == 1):
        return min(shown, key=lambda cell: (answers[cell], cell))
    return None


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
