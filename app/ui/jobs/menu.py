"""The job context menu, built from the selected items' states alone.

As in qutebrowser's download view, what can be done to an item follows from its state, so the
menu is a plain function: `available_actions(items)` says which actions apply (testable without
any widget) and `build_menu(items)` turns them into a QMenu whose actions carry their JobAction
in `data()`. The panel decides what each action does. Items of batches another vimbatch
window works on (`busy`: batch ids) are shown, but the commands that change them are greyed out.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from enum import StrEnum

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from app.engine.model import ItemSnapshot, ItemState
from app.ui.plural import ntr

_CANCELLABLE = frozenset(
    {
        ItemState.QUEUED,
        ItemState.UPLOADING,
        ItemState.SUBMITTED,
        ItemState.RUNNING,
        ItemState.PAUSED,
    }
)
_RETRYABLE = frozenset({ItemState.FAILED, ItemState.CANCELLED})


class JobAction(StrEnum):
    OPEN_RESULT = "open_result"
    SHOW_IN_FOLDER = "show_in_folder"
    RETRY = "retry"
    RESUBMIT = "resubmit"
    CANCEL = "cancel"
    COPY_WORKFLOW_ID = "copy_workflow_id"
    DELETE_FROM_SERVER = "delete_from_server"
    REMOVE_FROM_LIST = "remove_from_list"

    @property
    def label(self) -> str:
        t = QCoreApplication.translate
        labels = {
            JobAction.OPEN_RESULT: t("JobMenu", "Open result"),
            JobAction.SHOW_IN_FOLDER: t("JobMenu", "Show in folder"),
            JobAction.RETRY: t("JobMenu", "Retry"),
            JobAction.RESUBMIT: t("JobMenu", "Send again…"),
            JobAction.CANCEL: t("JobMenu", "Cancel this photo"),
            JobAction.COPY_WORKFLOW_ID: t("JobMenu", "Copy Vimmerse id"),
            JobAction.DELETE_FROM_SERVER: t("JobMenu", "Delete from Vimmerse…"),
            JobAction.REMOVE_FROM_LIST: t("JobMenu", "Remove from list"),
        }
        return labels[self]

    @property
    def tooltip(self) -> str:
        t = QCoreApplication.translate
        tips = {
            JobAction.OPEN_RESULT: t("JobMenu", "Open the finished image or video"),
            JobAction.SHOW_IN_FOLDER: t("JobMenu", "Show the saved file in its folder"),
            JobAction.RETRY: t("JobMenu", "Try this photo again"),
            JobAction.RESUBMIT: t(
                "JobMenu",
                "Vimmerse may already have made this one: send it again only if you are sure "
                "(it may use credit twice)",
            ),
            JobAction.CANCEL: t(
                "JobMenu", "Stop this photo: it will not be sent, or no longer followed"
            ),
            JobAction.COPY_WORKFLOW_ID: t(
                "JobMenu", "Copy the id Vimmerse knows this result by, e.g. for support"
            ),
            JobAction.DELETE_FROM_SERVER: t(
                "JobMenu", "Delete the result and its files from Vimmerse"
            ),
            JobAction.REMOVE_FROM_LIST: t(
                "JobMenu",
                "Take it off this list; nothing is deleted on Vimmerse or on this computer",
            ),
        }
        return tips[self]


# The commands that change an item through the engine (not open, show or copy).
ENGINE_ACTIONS = frozenset(
    {
        JobAction.RETRY,
        JobAction.RESUBMIT,
        JobAction.CANCEL,
        JobAction.DELETE_FROM_SERVER,
        JobAction.REMOVE_FROM_LIST,
    }
)


def actions_for(item: ItemSnapshot) -> list[JobAction]:
    """What can be done to one item, in menu order."""
    actions: list[JobAction] = []
    state = item.state
    if state is ItemState.SUCCEEDED and (item.files or item.results):
        actions.append(JobAction.OPEN_RESULT)
    if item.files:
        actions.append(JobAction.SHOW_IN_FOLDER)
    if state in _RETRYABLE:
        actions.append(JobAction.RETRY)
    if state is ItemState.NEEDS_ATTENTION:
        actions.append(JobAction.RESUBMIT)
    if state in _CANCELLABLE:
        actions.append(JobAction.CANCEL)
    if item.workflow_id:
        actions.append(JobAction.COPY_WORKFLOW_ID)
        # A workflow still being made is left alone: cancel it first.
        if state.is_final:
            actions.append(JobAction.DELETE_FROM_SERVER)
    if state.is_final:
        actions.append(JobAction.REMOVE_FROM_LIST)
    return actions


def available_actions(items: Sequence[ItemSnapshot]) -> list[JobAction]:
    """Actions that apply to at least one of `items`, in the fixed menu order."""
    found: set[JobAction] = set()
    for item in items:
        found.update(actions_for(item))
    return [action for action in JobAction if action in found]


def items_for(
    action: JobAction, items: Sequence[ItemSnapshot], busy: Collection[int] = ()
) -> list[ItemSnapshot]:
    """The subset of `items` that `action` applies to (a mixed selection acts on those only);
    an engine command leaves out the items of `busy` batches (another process has them)."""
    return [
        item
        for item in items
        if action in actions_for(item) and not (action in ENGINE_ACTIONS and item.batch_id in busy)
    ]


_SEPARATE_BEFORE = {
    JobAction.RETRY,
    JobAction.CANCEL,
    JobAction.COPY_WORKFLOW_ID,
    JobAction.DELETE_FROM_SERVER,
}
# Shown in the menu as hints; the panel binds the keys. QKeySequence needs the application, so
# the sequences are made when a menu is.
_SHORTCUTS = {
    JobAction.COPY_WORKFLOW_ID: QKeySequence.StandardKey.Copy,
    JobAction.DELETE_FROM_SERVER: QKeySequence.StandardKey.Delete,
}


def build_menu(
    items: Sequence[ItemSnapshot], parent: QWidget | None = None, busy: Collection[int] = ()
) -> QMenu:
    """A menu for the selection; empty when nothing applies. Each action's data() is its
    JobAction value; when several items are selected the label says how many it affects.
    A command whose items are all in `busy` batches is shown greyed out, saying why."""
    menu = QMenu(parent)
    menu.setObjectName("jobMenu")
    menu.setToolTipsVisible(True)
    previous: JobAction | None = None
    for action in available_actions(items):
        if previous is not None and action in _SEPARATE_BEFORE:
            menu.addSeparator()
        targets = items_for(action, items, busy)
        text = action.label
        if len(items) > 1 and action is JobAction.CANCEL:
            text = ntr("JobMenu", "Cancel %n photo", "Cancel %n photos", len(targets))
        elif len(items) > 1:
            text = QCoreApplication.translate("JobMenu", "{action} ({n})").format(
                action=text, n=len(targets)
            )
        qaction = QAction(text, menu)
        qaction.setData(action.value)
        qaction.setToolTip(action.tooltip)
        if not targets:
            qaction.setEnabled(False)
            qaction.setToolTip(
                QCoreApplication.translate("JobList", "Being handled by another vimbatch window")
            )
        qaction.setObjectName(f"jobAction_{action.value}")
        shortcut = _SHORTCUTS.get(action)
        if shortcut is not None:
            qaction.setShortcut(QKeySequence(shortcut))
        menu.addAction(qaction)
        previous = action
    return menu
