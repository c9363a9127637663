"""Business halls 营业厅: take-a-number, priority, counters, displays, estimates and staffing.

Norms BH-1…BH-4, BH-6, T-3, T-4, CC-3.
"""
