"""« Mon Compte » → Brokers: table, add/edit form in a modal card, key check, markets update."""

from __future__ import annotations

from html import escape
from typing import Any

import panel as pn

from aristobot.brokers.catalog import CREDENTIAL_LABELS, PAPER
from aristobot.ui import page_messages as lbl
from aristobot.ui.account.brokers_vm import BrokersVM
from aristobot.ui.pages import PageContext
from aristobot.ui.tables import row_button, table_theme

_MODAL_CSS = """
:host(.ab-modal) { position: fixed; top: 12vh; left: 50%; transform: translateX(-50%);
  z-index: 1000;
  box-shadow: 0 0 0 100vmax rgba(3, 6, 12, 0.72), 0 0 24px rgba(0, 212, 255, 0.35) !important; }
"""


def _feedback(message: str, error: str, balance: str) -> str:
    # Exchange errors and broker names are foreign text: never rendered as HTML.
    parts = []
    if balance:
        parts.append(f"<div class='ab-ok' id='broker-balance'>Solde : {escape(balance)}</div>")
    if error:
        parts.append(f"<div class='ab-danger' id='broker-error'>{escape(error)}</div>")
    elif message:
        parts.append(f"<div class='ab-ok' id='broker-message'>{escape(message)}</div>")
    return "".join(parts)


def _confirm_box(vm: BrokersVM) -> Any:
    """The delete confirmation: shown while ``vm.confirm_delete_id`` is set."""
    yes = pn.widgets.Button(label=lbl.BROKER_CONFIRM_DELETE, color="danger",
                            css_classes=["broker-confirm-delete"])
    no = pn.widgets.Button(label="Annuler", css_classes=["broker-cancel-delete"])

    async def _yes(event: Any) -> None:
        await vm.confirm_delete()

    yes.on_click(_yes)
    no.on_click(lambda e: vm.cancel_delete())
    text = pn.pane.HTML(pn.bind(lambda t: f"<div class='ab-danger'>{escape(t)}</div>",
                                vm.param.confirm_text))
    box = pn.Column(text, pn.Row(yes, no), css_classes=["ab-card", "broker-confirm"],
                    visible=vm.confirm_delete_id is not None)
    vm.param.watch(lambda e: setattr(box, "visible", e.new is not None), "confirm_delete_id")
    return box


def build(ctx: PageContext) -> Any:
    vm = BrokersVM(ctx.runtime, ctx.user.id)
    theme = table_theme(ctx.theme)
    table = pn.widgets.Tabulator.from_param(
        vm.param.brokers, theme=theme, show_index=False, disabled=True, selectable=1,
        buttons={"edit": row_button(lbl.BROKER_EDIT),
                 "default": row_button(lbl.BROKER_MAKE_DEFAULT),
                 "markets": row_button(lbl.BROKER_UPDATE_MARKETS),
                 "delete": row_button("Supprimer")},
        css_classes=["broker-table"], sizing_mode="stretch_width")

    async def _row_action(event: Any) -> None:
        broker_id = int(vm.brokers.iloc[event.row]["id"])
        if event.column == "edit":
            vm.open_edit(broker_id)
        elif event.column == "default":
            vm.make_default(broker_id)
        elif event.column == "markets":
            vm.update_markets(broker_id)
        elif event.column == "delete":
            vm.ask_delete(broker_id)

    table.on_click(_row_action)
    add = pn.widgets.Button(label="Ajouter un broker", color="primary", css_classes=["broker-add"])
    add.on_click(lambda e: vm.open_add())

    name = pn.widgets.TextInput.from_param(vm.param.broker_name, label="Nom",
                                           css_classes=["broker-name"])
    exchange = pn.widgets.Select.from_param(vm.param.exchange, label="Exchange (ccxt)",
                                            css_classes=["broker-exchange"])
    inputs = {k: pn.widgets.PasswordInput(label=label, css_classes=[f"broker-cred-{k}"],
                                          placeholder=lbl.KEY_UNCHANGED_IF_EMPTY, visible=False)
              for k, label in CREDENTIAL_LABELS.items()}
    for key, widget in inputs.items():
        widget.param.watch(lambda e, k=key: vm.set_credential(k, e.new), "value")

    def _show_required(*_: Any) -> None:
        for key, widget in inputs.items():
            widget.visible = key in vm.required
            if not vm.form_visible:
                widget.value = ""

    vm.param.watch(_show_required, ["required", "form_visible"])
    _show_required()
    testnet = pn.widgets.Checkbox.from_param(vm.param.is_testnet, label="Testnet (sandbox)",
                                             css_classes=["broker-testnet"])
    vm.param.watch(lambda e: setattr(testnet, "disabled", not e.new), "testnet_available")
    testnet.disabled = not vm.testnet_available
    note = pn.pane.HTML(pn.bind(lambda n: f"<span class='ab-muted'>{n}</span>",
                                vm.param.testnet_note))
    default = pn.widgets.Checkbox.from_param(vm.param.is_default, label=lbl.BROKER_IS_DEFAULT,
                                             css_classes=["broker-default"])
    active = pn.widgets.Checkbox.from_param(vm.param.is_active,
                                            label=lbl.BROKER_ACTIVE,
                                            css_classes=["broker-active"])
    capital = pn.widgets.TextInput.from_param(vm.param.paper_capital,
                                              label=lbl.PAPER_CAPITAL,
                                              css_classes=["broker-capital"])
    verify = pn.widgets.Button(label=lbl.VERIFY_KEYS, css_classes=["broker-verify"])

    def _paper_or_not(*_: Any) -> None:
        # paper has no keys to check and no testnet: only its starting capital
        paper = vm.exchange == PAPER
        capital.visible = paper
        verify.visible = testnet.visible = note.visible = not paper

    vm.param.watch(_paper_or_not, "exchange")
    _paper_or_not()
    save = pn.widgets.Button(label="Enregistrer", color="success", css_classes=["broker-save"])
    cancel = pn.widgets.Button(label="Fermer", css_classes=["broker-cancel"])

    async def _verify(event: Any) -> None:
        await vm.verify()

    async def _save(event: Any) -> None:
        await vm.save()

    verify.on_click(_verify)
    save.on_click(_save)
    cancel.on_click(lambda e: vm.close_form())
    feedback = pn.pane.HTML(pn.bind(lambda e, b, v: _feedback("", e, b) if v else "",
                                    vm.param.error, vm.param.balance, vm.param.form_visible),
                            sizing_mode="stretch_width")
    title = pn.pane.HTML(pn.bind(
        lambda i: f"<h3 class='ab-accent'>{'Modifier' if i else 'Ajouter'} un broker</h3>",
        vm.param.editing_id))
    form = pn.Column(title, name, exchange, *inputs.values(), capital, testnet, note, default,
                     active,
                     pn.Row(verify, save, cancel), feedback,
                     css_classes=["ab-card", "ab-modal", "broker-form"], width=460,
                     stylesheets=[_MODAL_CSS], visible=vm.form_visible)
    vm.param.watch(lambda e: setattr(form, "visible", e.new), "form_visible")
    return pn.Column(
        pn.pane.HTML("<h3 class='ab-accent'>Brokers</h3>"),
        pn.Row(add),
        table,
        _confirm_box(vm),
        pn.pane.HTML(pn.bind(lambda m, e, v: "" if v else _feedback(m, e, ""),
                             vm.param.message, vm.param.error, vm.param.form_visible)),
        form,
        css_classes=["ab-card"],
        sizing_mode="stretch_width",
    )
