"""Staffing plans and rosters 排班 (CC-3) of a call centre or a hall (docs/rostering.md)."""
