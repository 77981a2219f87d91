"""A tiny browser component that warns before leaving the page while edits are unsaved.

``LeaveGuard(dirty=...)`` renders nothing visible; while ``dirty`` is true the browser asks for
confirmation (its own « quitter la page ? » dialog) on reload, close or navigation away.
"""

from __future__ import annotations

import param
from panel.custom import JSComponent


class LeaveGuard(JSComponent):
    """Bind ``dirty`` to the view-model's unsaved state (see the module docstring)."""

    dirty = param.Boolean(default=False)

    _esm = """
    export function render({ model, el }) {
      const guard = (event) => {
        if (!model.dirty) { return; }
        event.preventDefault();
        event.returnValue = "";  // older browsers need it to show the dialog
      };
      window.addEventListener("beforeunload", guard);
      model.on("remove", () => window.removeEventListener("beforeunload", guard));
      const mark = document.createElement("span");
      mark.className = "strat-leave-guard";
      mark.dataset.dirty = String(model.dirty);
      model.on("dirty", () => { mark.dataset.dirty = String(model.dirty); });
      return mark;
    }
    """
