"""The key dialog (checked against the simulator, stored in the keyring) and the confirmation."""

from __future__ import annotations

from pathlib import Path

from app.engine import keys
from app.engine.keys import KeyOrigin
from app.images.photo import Photo
from app.ui.dialogs.confirm_create import ConfirmCreateDialog
from app.ui.dialogs.key_dialog import KeyDialog, session_only_text


def test_good_key_is_checked_then_stored(qtbot, workers, sim_factory, memory_keyring) -> None:
    sim = sim_factory(valid_keys=frozenset({"good-key"}))
    dialog = KeyDialog(workers.io, sim.base_url, welcome=True)
    qtbot.addWidget(dialog)
    assert dialog.demo_button is not None
    dialog.key_edit.setText("  good-key ")
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        dialog.save_button.click()
    assert dialog.key == "good-key" and dialog.origin is KeyOrigin.KEYRING
    assert memory_keyring.secrets[(keys.SERVICE, keys.ACCOUNT)] == "good-key"
    assert any(r.api_key == "good-key" for r in sim.requests)


def test_refused_key_says_why_and_stores_nothing(
    qtbot, workers, sim_factory, memory_keyring
) -> None:
    sim = sim_factory(valid_keys=frozenset({"good-key"}))
    dialog = KeyDialog(workers.io, sim.base_url, welcome=False)
    qtbot.addWidget(dialog)
    assert dialog.demo_button is None
    dialog.key_edit.setText("wrong-key")
    with qtbot.waitSignal(dialog.checked, timeout=10_000) as checked:
        dialog.save_button.click()
    assert checked.args == [False]
    assert dialog.result() == 0 and dialog.key is None
    assert dialog.status.text() and "key" in dialog.status.text().lower()
    assert memory_keyring.secrets == {}
    assert dialog.save_button.isEnabled()  # the user can correct it and try again


def test_without_keyring_the_key_is_kept_for_the_session(qtbot, workers, sim_factory) -> None:
    import keyring
    from keyring.backends.null import Keyring as NullKeyring

    keyring.set_keyring(NullKeyring())
    sim = sim_factory()
    dialog = KeyDialog(workers.io, sim.base_url, welcome=True)
    qtbot.addWidget(dialog)
    dialog.key_edit.setText("session-key")
    with qtbot.waitSignal(dialog.checked, timeout=10_000):
        dialog.save_button.click()
    assert dialog.origin is KeyOrigin.SESSION
    # One message: the note about the password store is replaced, never contradicted; and no
    # environment variable in advice meant for a photographer.
    assert dialog.note.text() == session_only_text()
    assert "only until you quit" in dialog.note.text()
    assert "VIMMERSE_API_KEY" not in dialog.note.text() + dialog.status.text()
    assert not dialog.status.isVisibleTo(dialog)
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        dialog.save_button.click()
    stored = keys.load_key()
    assert stored is not None and stored.value == "session-key"
    keys.clear_key()


def test_try_the_demo(qtbot, workers) -> None:
    dialog = KeyDialog(workers.io, "http://127.0.0.1:9", welcome=True)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        dialog.demo_button.click()
    assert dialog.chose_demo and dialog.key is None


def test_confirmation_lists_count_template_visibility_and_skipped(qtbot) -> None:
    bad = Photo(path=Path("/photos/blurry.jpg"), problem="This file is damaged.")
    dialog = ConfirmCreateDialog(
        count=12,
        template_label="New Year 2026",
        visibility_label="Unlisted",
        skipped=[bad],
    )
    qtbot.addWidget(dialog)
    assert dialog.findChild(object, "confirmHeadline").text() == "Create 12 results?"
    facts = dialog.findChild(object, "confirmFacts").text()
    assert "New Year 2026" in facts and "Unlisted" in facts and "credit" in facts
    assert dialog.findChild(object, "skippedList").toPlainText() == (
        "blurry.jpg — This file is damaged."
    )
    assert dialog.create_button.text() == "Create 12 results"


def test_cancel_while_the_key_is_checked_stores_nothing(
    qtbot, workers, sim_factory, memory_keyring
) -> None:
    sim = sim_factory(valid_keys=frozenset({"good-key"}))
    sim.script("GET", "/workflow/", "slow:1")
    dialog = KeyDialog(workers.io, sim.base_url, welcome=False)
    qtbot.addWidget(dialog)
    checked: list[bool] = []
    dialog.checked.connect(checked.append)
    dialog.key_edit.setText("good-key")
    dialog.save_button.click()
    qtbot.wait(300)  # the check is on the wire, held by the server for a second
    assert workers.io.pending() == 1
    dialog.reject()
    # The check answers after a second; wait until the pool has delivered (or dropped) it.
    qtbot.waitUntil(lambda: workers.io.pending() == 0, timeout=10_000)
    qtbot.wait(100)
    assert memory_keyring.secrets == {}
    assert dialog.key is None and dialog.origin is None and checked == []
    assert dialog.result() == 0


def test_enter_checks_the_key_then_goes_on_never_showing_it_or_choosing_the_demo(
    qtbot, workers, sim_factory
) -> None:
    """As a user does it: paste, Enter, read "accepted", Enter again."""
    import keyring
    from keyring.backends.null import Keyring as NullKeyring
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QLineEdit

    keyring.set_keyring(NullKeyring())
    sim = sim_factory()
    dialog = KeyDialog(workers.io, sim.base_url, welcome=True)
    qtbot.addWidget(dialog)
    _show_active(qtbot, dialog)
    dialog.key_edit.setFocus()
    qtbot.keyClicks(dialog.key_edit, "session-key")
    with qtbot.waitSignal(dialog.checked, timeout=10_000) as checked:
        qtbot.keyClick(dialog.key_edit, Qt.Key.Key_Return)
    assert checked.args == [True]
    assert dialog.key_edit.echoMode() is QLineEdit.EchoMode.Password
    assert not dialog.show_key.isChecked()
    assert not dialog.chose_demo and dialog.isVisible()
    # Accepted: nothing left on screen would throw the key away.
    assert dialog.demo_button is not None and not dialog.demo_button.isVisible()
    assert not dialog.cancel_button.isVisible()
    focused = QApplication.focusWidget()
    assert focused is dialog.save_button
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        qtbot.keyClick(focused, Qt.Key.Key_Return)
    assert not dialog.chose_demo and dialog.key == "session-key"
    assert dialog.key_edit.echoMode() is QLineEdit.EchoMode.Password
    keys.clear_key()


def test_enter_in_the_key_field_never_presses_show_or_the_demo(
    qtbot, workers, sim_factory, memory_keyring
) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLineEdit

    sim = sim_factory(valid_keys=frozenset({"good-key"}))
    dialog = KeyDialog(workers.io, sim.base_url, welcome=True)
    qtbot.addWidget(dialog)
    _show_active(qtbot, dialog)
    dialog.key_edit.setFocus()
    qtbot.keyClicks(dialog.key_edit, "wrong-key")
    with qtbot.waitSignal(dialog.checked, timeout=10_000) as checked:
        qtbot.keyClick(dialog.key_edit, Qt.Key.Key_Return)
    assert checked.args == [False]
    assert dialog.key_edit.echoMode() is QLineEdit.EchoMode.Password
    assert not dialog.chose_demo and dialog.isVisible()
    assert dialog.key_edit.hasFocus()


def _show_active(qtbot, widget) -> None:  # type: ignore[no-untyped-def]
    """Shown and active, as on a real screen: focus (and where Enter goes) works as for a user."""
    widget.show()
    qtbot.waitExposed(widget)
    widget.windowHandle().requestActivate()
    qtbot.waitUntil(widget.isActiveWindow, timeout=5000)
