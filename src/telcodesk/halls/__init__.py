"""Business halls: take-a-number, priority, counters, appointments, displays, staffing.

Norms BH-1…BH-4, BH-6, T-3, T-4, CC-3.
"""
