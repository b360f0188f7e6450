"""The station's widgets, one per module."""
