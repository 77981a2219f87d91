"""« Heartbeat » page: wires :class:`HeartbeatVM` to HTML panes (no logic here)."""

from __future__ import annotations

import asyncio
from typing import Any

import panel as pn

from aristobot.ui import page_messages as lbl
from aristobot.ui.heartbeat_vm import TIMEFRAMES, HeartbeatVM, box_html, connection_html
from aristobot.ui.pages import PageContext
from aristobot.ui.stream_lines import stream_html

CSS = """
.hb-stream { height: 760px; overflow-y: auto; font-family: monospace; font-size: 11.5px;
  line-height: 1.45; white-space: nowrap; }
.hb-frame { overflow: hidden; text-overflow: ellipsis; opacity: .9; }
.hb-trade, .hb-head { display: grid; grid-template-columns: 9.5em 7em 1fr 1fr 3.5em;
  column-gap: 8px; }
.hb-price, .hb-qty { text-align: right; font-variant-numeric: tabular-nums; }
.hb-head { font-weight: 700; }
.hb-boxes { display: grid; grid-template-columns: repeat(auto-fill, minmax(128px, 1fr));
  gap: 10px; }
.hb-box { border: 1px solid var(--ab-border); border-radius: 10px; padding: 8px;
  background: var(--ab-surface-alt); }
.hb-tf { font-weight: 700; font-size: 15px; }
.hb-delay { font-size: 11px; margin-bottom: 4px; }
.hb-list { height: 240px; overflow-y: auto; font-family: monospace; font-size: 12.5px;
  line-height: 18px; }
.hb-live { color: var(--ab-ok); }
.hb-old { color: var(--ab-warn); }
.hb-connection { font-size: 14px; }
"""

_LIVE_TASK = "_hb_live_task"


def build(ctx: PageContext) -> Any:
    vm = HeartbeatVM(ctx.runtime, ctx.timezone)
    vm.load()
    stream = pn.pane.HTML(pn.bind(stream_html, vm.param.frames), sizing_mode="stretch_width",
                          stylesheets=[CSS])
    boxes = pn.pane.HTML(
        pn.bind(
            lambda sig, dl: "<div class='hb-boxes'>" + "".join(
                box_html(tf, sig.get(tf, [])[:60], dl.get(tf)) for tf in TIMEFRAMES
            ) + "</div>",
            vm.param.signals, vm.param.delays,
        ),
        sizing_mode="stretch_width", stylesheets=[CSS],
    )
    connection = pn.pane.HTML(
        pn.bind(connection_html, vm.param.is_connected, vm.param.is_coherent,
                vm.param.last_error, vm.param.frames_seen, vm.param.verified,
                vm.param.corrected),
        sizing_mode="stretch_width", stylesheets=[CSS],
    )

    def start() -> None:
        task = asyncio.get_running_loop().create_task(vm.listen())
        setattr(vm, _LIVE_TASK, task)

    pn.state.onload(start)
    pn.state.on_session_destroyed(
        lambda _ctx, vm=vm, name=_LIVE_TASK: getattr(vm, name, None) and getattr(vm, name).cancel()
    )
    return pn.Column(
        pn.pane.Markdown("## Heartbeat"),
        pn.Column(connection, css_classes=["ab-card"], sizing_mode="stretch_width"),
        # One line of two cards of equal height; the signals wrap below the stream when the
        # screen is too narrow for both.
        pn.FlexBox(
            pn.Column(pn.pane.HTML(lbl.STREAM_TITLE), stream,
                      css_classes=["ab-card"], sizing_mode="stretch_width", min_width=330,
                      styles={"flex": "1 1 330px", "max-width": "560px"}),
            pn.Column(pn.pane.HTML(lbl.SIGNALS_TITLE), boxes,
                      css_classes=["ab-card"], sizing_mode="stretch_width", min_width=390,
                      styles={"flex": "2 1 390px"}),
            align_items="stretch", flex_wrap="wrap", sizing_mode="stretch_width",
        ),
        sizing_mode="stretch_width",
    )
