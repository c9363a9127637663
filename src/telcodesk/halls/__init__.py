"""Business halls: take-a-number, priority, counters, appointments, displays, staffing (BH-1…BH-4, T-3)."""
