"""Saving results into a folder the user picks, and exporting the batch report.

Both hand the work to the engine on the I/O pool and report back in plain words through the
panel's `message` signal; the panel's replaceable hooks (`choose_folder`, `ask_overwrite`,
`choose_report_file`) are read at call time, so tests answer without modal dialogs.
"""

from __future__ import annotations

import contextlib
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from app.engine.model import ItemSnapshot, OverwritePolicy, SaveOutcome
from app.engine.report import write_report
from app.ui.plural import ntr
from app.ui.results.model import Tile
from app.ui.settings import AUTO_MARK_DELIVERED, DOWNLOAD_FOLDER, NAME_PATTERN
from app.ui.user_text import user_text

if TYPE_CHECKING:
    from app.ui.results.panel import ResultsPanel


def ask_overwrite(parent: QWidget, names: list[str]) -> OverwritePolicy | None:
    """One question for every file already in the folder; None: the user cancelled."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(parent.tr("Files already there"))
    count = len(names)
    box.setText(
        parent.tr("“{name}” is already in that folder.").format(name=names[0])
        if count == 1
        else parent.tr("{n} of these files are already in that folder.").format(n=count)
    )
    box.setInformativeText(parent.tr("What should happen to them? This answer is used for all."))
    rename = box.addButton(parent.tr("Keep both"), QMessageBox.ButtonRole.AcceptRole)
    replace = box.addButton(parent.tr("Replace"), QMessageBox.ButtonRole.DestructiveRole)
    skip = box.addButton(parent.tr("Skip them"), QMessageBox.ButtonRole.RejectRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(rename)
    box.exec()
    clicked = box.clickedButton()
    if clicked is rename:
        return OverwritePolicy.RENAME
    if clicked is replace:
        return OverwritePolicy.OVERWRITE
    return OverwritePolicy.SKIP if clicked is skip else None


class ResultActions(QObject):
    """The save flow and the report of a ResultsPanel. No public signals: it speaks through
    the panel's `message`."""

    # A save finished: emitted from the engine's worker, delivered queued on the GUI thread.
    _save_finished = Signal(object)

    def __init__(self, panel: ResultsPanel) -> None:
        super().__init__(panel)
        self.panel = panel
        self._save_finished.connect(self._saved, Qt.ConnectionType.QueuedConnection)

    def save(self, tiles: list[Tile]) -> None:
        """Save every result of the tiles' jobs (in their numbering) into a folder the user
        picks; the engine writes the files and records them on the items."""
        panel = self.panel
        engine = panel.engine
        if engine is None:
            return
        ids = list(dict.fromkeys(t.item_id for t in tiles if t.item_id in panel.model.items))
        if not ids:
            return
        folder_text = panel.choose_folder(panel.settings.value(DOWNLOAD_FOLDER))
        if not folder_text:
            return
        folder = Path(folder_text)
        panel.settings.set_value(DOWNLOAD_FOLDER, str(folder))
        pattern = panel.settings.value(NAME_PATTERN)
        panel.workers.io.submit(
            lambda: engine.taken_names(ids, folder, name_pattern=pattern),
            lambda taken: self._save_checked(ids, folder, pattern, taken),
            self._save_failed,
        )

    def _save_checked(self, ids: list[int], folder: Path, pattern: str, taken: list[str]) -> None:
        panel = self.panel
        engine = panel.engine
        if engine is None:
            return
        policy = OverwritePolicy.RENAME
        if taken:
            answer = panel.ask_overwrite(panel, taken)
            if answer is None:
                return
            policy = answer
        items = panel.model.items
        count = sum(len(items[i].results) for i in ids if i in items)
        panel.message.emit(ntr("ResultActions", "Saving %n results…", count))
        local = dict(panel.loader.local)
        finished = self._save_finished

        def announce(future: Future[SaveOutcome]) -> None:
            # Runs on the engine's worker; the signal queues the outcome to the GUI thread.
            # RuntimeError: the panel was deleted meanwhile (the window closed).
            with contextlib.suppress(RuntimeError):
                finished.emit(future)

        panel.workers.io.submit(
            lambda: engine.save_results(
                ids, folder, name_pattern=pattern, overwrite=policy, local_files=local
            ).add_done_callback(announce),
            on_error=self._save_failed,
        )

    def _save_failed(self, error: BaseException) -> None:
        self.panel.message.emit(
            self.tr("The results could not be saved: {why}").format(why=user_text(error))
        )

    def _saved(self, future: Future[SaveOutcome]) -> None:
        error = future.exception()
        if error is not None:
            self._save_failed(error)
            return
        panel = self.panel
        outcome = future.result()
        text = ntr("ResultActions", "Saved %n files to {folder}.", outcome.count).format(
            folder=Path(outcome.folder).name or outcome.folder
        )
        if outcome.skipped:
            text += " " + ntr("ResultActions", "%n left as they were.", outcome.skipped)
        if outcome.problems:
            text += " " + ntr(
                "ResultActions", "%n could not be saved: {first}", len(outcome.problems)
            ).format(first=outcome.problems[0])
        panel.message.emit(text)
        if panel.settings.value(AUTO_MARK_DELIVERED):
            panel._deliver_once([panel.all_items[i] for i in outcome.saved if i in panel.all_items])
        panel._update_actions()

    def export_report(self, batch_ids: list[int] | None, path: str | None = None) -> None:
        """Write the CSV of these batches, or of every batch when None (asks where when `path`
        is None)."""
        panel = self.panel
        engine = panel.engine
        if engine is None or batch_ids == []:
            return
        if path is None:
            name = (
                "vimbatch-report.csv"
                if batch_ids is None
                else f"vimbatch-report-batch-{batch_ids[0]}.csv"
            )
            start = str(Path(panel.settings.value(DOWNLOAD_FOLDER)) / name)
            path = panel.choose_report_file(start)
            if not path:
                return
        target = path

        def items() -> list[ItemSnapshot]:
            if batch_ids is None:
                return engine.items()
            return [item for batch_id in batch_ids for item in engine.items(batch_id)]

        panel.workers.io.submit(
            lambda: write_report(target, items(), engine.batches()),
            lambda rows: panel.message.emit(
                ntr("ResultActions", "Report saved: %n rows in {name}.", rows).format(
                    name=Path(target).name
                )
            ),
            lambda error: panel.message.emit(
                self.tr("The report could not be saved: {why}").format(why=user_text(error))
            ),
        )
