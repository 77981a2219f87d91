"""Aristobot: crypto research-and-trading workbench."""
