"""The levels of the organisation that figures are grouped by: a terminal, a site, a
unit, or all of them together (``--by``, the dashboard's grouping, a scheduled report's)."""

GROUPINGS = ("device", "site", "unit", "all")
