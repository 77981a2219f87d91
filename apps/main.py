"""`panel serve apps/`: every page of the dashboard, chosen by ?page=… (see aristobot.ui)."""

from aristobot.ui.app import render

render()
