"""Saving results into a folder the user picks, and exporting the batch report.

Both hand the work to the engine on the I/O pool and report back in plain words through
`ResultActions.message`; the dialogs are hooks given with each call (the panel's replaceable
`choose_folder`, `ask_overwrite`, `choose_report_file`), so tests answer without modal dialogs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from app.engine.model import ItemSnapshot, OverwritePolicy, SaveOutcome
from app.engine.report import write_report
from app.ui.folder_choice import StartFolder, start_folder
from app.ui.plural import ntr
from app.ui.settings import DOWNLOAD_FOLDER, NAME_PATTERN, AppSettings, default_download_folder
from app.ui.user_text import user_text
from app.ui.workers import Workers

if TYPE_CHECKING:
    # Loaded with the session, after the window shows (docs/ARCHITECTURE.md, start-up).
    from app.engine.engine import Engine


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


OverwriteQuestion = Callable[[QWidget, list[str]], OverwritePolicy | None]


class ResultActions(QObject):
    """Saving results into a folder and exporting a batch's report, for the results panel.

    It knows nothing of the panel: the panel hands it the engine (`engine`, None while there is
    none), the items to save and its dialog hooks, and updates itself from the signals.

    Signals:
        message(str): plain words of what happened (saving, saved, a failure, report written).
        saved(object): a `SaveOutcome`, once a save finished without error.
    """

    message = Signal(str)
    saved = Signal(object)
    # A save finished: emitted from the engine's worker, delivered queued on the GUI thread.
    _save_finished = Signal(object)

    def __init__(self, workers: Workers, settings: AppSettings, parent: QWidget) -> None:
        super().__init__(parent)
        self._parent = parent
        self.workers = workers
        self.settings = settings
        self.engine: Engine | None = None
        self._save_finished.connect(self._saved, Qt.ConnectionType.QueuedConnection)

    def save(
        self,
        results: Mapping[int, int],
        *,
        choose_folder: Callable[[StartFolder], str],
        ask_overwrite: OverwriteQuestion,
        local_files: Mapping[str, str] | None = None,
    ) -> None:
        """Save every result of these items (item id -> number of results, in their
        numbering) into a folder the user picks with `choose_folder`; `ask_overwrite` asks
        once about files already there. The engine writes the files and records them on the
        items; `local_files` (result URL -> a copy on disk) are copied, not downloaded again."""
        if self.engine is None or not results:
            return
        wanted = self.settings.value(DOWNLOAD_FOLDER)
        # Where the folder dialog opens is found on a worker: it reads the disk, and creates
        # the default folder when that is where it starts (app.ui.folder_choice).
        self.workers.io.submit(
            lambda: start_folder(wanted, default_download_folder()),
            lambda start: self._save_from(
                start, dict(results), choose_folder, ask_overwrite, local_files
            ),
            self._save_failed,
        )

    def _save_from(
        self,
        start: StartFolder,
        results: dict[int, int],
        choose_folder: Callable[[StartFolder], str],
        ask_overwrite: OverwriteQuestion,
        local_files: Mapping[str, str] | None,
    ) -> None:
        engine = self.engine
        ids = list(results)
        if engine is None:
            return
        folder_text = choose_folder(start)
        if not folder_text:
            return
        folder = Path(folder_text)
        self.settings.set_value(DOWNLOAD_FOLDER, str(folder))
        pattern = self.settings.value(NAME_PATTERN)
        count = sum(results.values())
        local = dict(local_files or {})
        self.workers.io.submit(
            lambda: engine.taken_names(ids, folder, name_pattern=pattern),
            lambda taken: self._save_checked(
                ids, folder, pattern, taken, count, local, ask_overwrite
            ),
            self._save_failed,
        )

    def _save_checked(
        self,
        ids: list[int],
        folder: Path,
        pattern: str,
        taken: list[str],
        count: int,
        local: dict[str, str],
        ask_overwrite: OverwriteQuestion,
    ) -> None:
        engine = self.engine
        if engine is None:
            return
        policy = OverwritePolicy.RENAME
        if taken:
            answer = ask_overwrite(self._parent, taken)
            if answer is None:
                return
            policy = answer
        self.message.emit(ntr("ResultActions", "Saving %n result…", "Saving %n results…", count))
        finished = self._save_finished

        def announce(future: Future[SaveOutcome]) -> None:
            # Runs on the engine's worker; the signal queues the outcome to the GUI thread.
            # RuntimeError: the panel was deleted meanwhile (the window closed).
            with contextlib.suppress(RuntimeError):
                finished.emit(future)

        self.workers.io.submit(
            lambda: engine.save_results(
                ids, folder, name_pattern=pattern, overwrite=policy, local_files=local
            ).add_done_callback(announce),
            on_error=self._save_failed,
        )

    def _save_failed(self, error: BaseException) -> None:
        self.message.emit(
            self.tr("The results could not be saved: {why}").format(why=user_text(error))
        )

    def _saved(self, future: Future[SaveOutcome]) -> None:
        error = future.exception()
        if error is not None:
            self._save_failed(error)
            return
        outcome = future.result()
        text = ntr(
            "ResultActions",
            "Saved %n file to {folder}.",
            "Saved %n files to {folder}.",
            outcome.count,
        ).format(folder=outcome.folder)  # fmt: skip  (the whole path: "all" alone said little)
        if outcome.skipped:
            text += " " + ntr(
                "ResultActions", "%n left as it was.", "%n left as they were.", outcome.skipped
            )
        if outcome.problems:
            text += " " + ntr(
                "ResultActions",
                "%n could not be saved: {first}",
                "%n could not be saved: {first}",
                len(outcome.problems),
            ).format(first=outcome.problems[0])
        self.message.emit(text)
        self.saved.emit(outcome)

    def export_report(self, batch_ids: list[int] | None, choose_file: Callable[[str], str]) -> None:
        """Write the CSV of these batches, or of every batch when None, where `choose_file`
        says (nothing when it says "")."""
        engine = self.engine
        if engine is None or batch_ids == []:
            return
        name = (
            "vimbatch-report.csv"
            if batch_ids is None
            else f"vimbatch-report-batch-{batch_ids[0]}.csv"
        )
        target = choose_file(str(Path(self.settings.value(DOWNLOAD_FOLDER)) / name))
        if not target:
            return

        def items() -> list[ItemSnapshot]:
            if batch_ids is None:
                return engine.items()
            return [item for batch_id in batch_ids for item in engine.items(batch_id)]

        self.workers.io.submit(
            lambda: write_report(target, items(), engine.batches()),
            lambda rows: self.message.emit(
                ntr(
                    "ResultActions",
                    "Report saved: %n row in {name}.",
                    "Report saved: %n rows in {name}.",
                    rows,
                ).format(name=Path(target).name)
            ),
            lambda error: self.message.emit(
                self.tr("The report could not be saved: {why}").format(why=user_text(error))
            ),
        )
