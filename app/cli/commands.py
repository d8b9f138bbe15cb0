"""The short sub-commands: status, update, delete, templates and key."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any

from app.api import (
    ApiError,
    KeyMissingError,
    KeyRefusedError,
    NotFoundError,
    Visibility,
    Workflow,
    WorkflowClient,
)
from app.cli.exit_codes import ExitCode, UsageError
from app.cli.output import STATE_WORDS, attention_lines, item_json, item_label, program
from app.engine import ItemState, make_client, open_store
from app.engine.keys import (
    KEY_ENV,
    KeyOrigin,
    clear_key,
    keyring_refused_message,
    store_key,
)
from app.engine.templates import load_catalog
from app.engine.updates import change_of, put_change, refused_for_good


def api_exit(error: ApiError) -> int:
    """Exit status for an API error: 3 for key trouble, 4 for credit, else 1."""
    if isinstance(error, KeyMissingError | KeyRefusedError):
        return ExitCode.NO_KEY
    if error.status == 402:
        return ExitCode.NO_CREDIT
    return ExitCode.ITEMS_FAILED


def workflow_json(workflow: Workflow) -> dict[str, Any]:
    return {
        "workflow_id": workflow.id,
        "title": workflow.title,
        "state": workflow.processing_status,
        "progress": workflow.progress,
        "template": workflow.template_id,
        "visibility": workflow.visibility.name.lower() if workflow.visibility else None,
        "results": [m.url for m in workflow.result],
        "rating": workflow.rating,
        "delivered_at": workflow.delivered_at.isoformat() if workflow.delivered_at else None,
    }


def run_status(args: argparse.Namespace, key: str | None, base_url: str) -> int:
    if not args.workflow_ids:
        store = open_store(args.data_dir)
        try:
            batches = store.batches()
            for batch in batches:
                items = [s.snapshot for s in store.items(batch.id)]
                if args.json:
                    for item in items:
                        print(json.dumps(item_json(item, final=True)))
                    continue
                counts = ", ".join(f"{n} {STATE_WORDS[s]}" for s, n in batch.counts.items())
                paused = f" — paused: {batch.paused_reason}" if batch.paused_reason else ""
                print(f"Batch {batch.id} ({batch.settings.template_id}): {counts}{paused}")
                for item in items:
                    line = f"  {item_label(item)}: {STATE_WORDS[item.state]}"
                    if item.workflow_id:
                        line += f" [{item.workflow_id}]"
                    if item.error:
                        line += f" — {item.error}"
                    print(line)
                waiting = [i for i in items if i.state is ItemState.NEEDS_ATTENTION]
                for line in attention_lines(waiting, indent="  ", prog=program(args)):
                    print(line)
            if not batches and not args.json:
                print("The job list is empty.")
                demo = _demo_batches(args)
                if demo:
                    print(
                        f"The demo's job list has {demo} batch{'es' if demo != 1 else ''}: "
                        "vimbatch --demo status"
                    )
        finally:
            store.close()
        return ExitCode.OK
    if key is None:
        return _no_key()
    code = ExitCode.OK
    with make_client(key, base_url) as client:
        for workflow_id in args.workflow_ids:
            try:
                workflow = client.get(workflow_id)
            except ApiError as exc:
                _error(f"{workflow_id}: {exc}")
                code = max(code, ExitCode(api_exit(exc)))
                if args.json:
                    print(json.dumps({"workflow_id": workflow_id, "error": str(exc)}))
                continue
            if args.json:
                print(json.dumps(workflow_json(workflow)))
            else:
                results = " ".join(m.url for m in workflow.result)
                print(
                    f"{workflow.id}: {workflow.processing_status or 'unknown'} "
                    f"({workflow.progress}%) “{workflow.title}”"
                    + (f" {results}" if results else "")
                )
    return code


def _demo_batches(args: argparse.Namespace) -> int:
    """How many batches the demo's job list holds (kept apart from the real one, see
    app/cli/demo.py), when this is the real list in its usual place; 0 otherwise."""
    from app.engine.store import STORE_FILE
    from app.paths import data_dir

    if getattr(args, "demo", False) or args.data_dir is not None:
        return 0
    folder = data_dir() / "demo"
    if not (folder / STORE_FILE).is_file():
        return 0
    store = open_store(folder)
    try:
        return len(store.batches())
    finally:
        store.close()


def run_update(args: argparse.Namespace, key: str | None, base_url: str) -> int:
    if (
        args.title is None
        and args.description is None
        and args.visibility is None
        and args.rating is None
        and not args.delivered
    ):
        raise UsageError(
            "Say what to change: --title, --description, --visibility, --rating or --delivered."
        )
    if key is None:
        return _no_key()
    change = change_of(
        title=args.title,
        description=args.description,
        visibility=Visibility.parse(args.visibility) if args.visibility else None,
        rating=args.rating,
        delivered=args.delivered,
    )
    store = open_store(args.data_dir)
    try:
        stored = store.find_by_workflow(args.workflow_id)
        if stored is not None:
            # Stored as the item's pending change before it goes out (the engine's rule): a
            # crash or a failure leaves it there, and the next engine start sends it again.
            stored = store.merge_update(stored.snapshot.id, change) or stored
            change = dict(stored.pending_update or change)
        confirmed = stored.confirmed if stored is not None else {}
        with make_client(key, base_url) as client:
            try:
                workflow = put_change(client, args.workflow_id, change, confirmed)
            except ApiError as exc:
                if stored is not None:
                    store.fail_update(
                        stored.snapshot.id, change, str(exc), refused=refused_for_good(exc)
                    )
                _error(str(exc))
                return api_exit(exc)
        if stored is not None:
            store.settle_update(stored.snapshot.id, change)
    finally:
        store.close()
    print(f"Updated {workflow.id}.")
    return ExitCode.OK


def run_delete(args: argparse.Namespace, key: str | None, base_url: str) -> int:
    if key is None:
        return _no_key()
    count = len(args.workflow_ids)
    if not args.yes:
        what = "this workflow" if count == 1 else f"these {count} workflows"
        prompt = (
            f"Delete {what} on Vimmerse? Its files on the server are deleted too, "
            "and this cannot be undone. [y/N] "
        )
        try:
            answer = input(prompt)
        except EOFError:
            answer = ""
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing was deleted.")
            return ExitCode.ITEMS_FAILED
    code = ExitCode.OK
    store = open_store(args.data_dir)
    try:
        with make_client(key, base_url) as client:
            for workflow_id in args.workflow_ids:
                try:
                    client.delete(workflow_id)
                except NotFoundError as exc:
                    _error(f"{workflow_id}: {exc}")
                    code = ExitCode.ITEMS_FAILED
                    continue
                except ApiError as exc:
                    _error(f"{workflow_id}: {exc}")
                    code = max(code, ExitCode(api_exit(exc)))
                    continue
                stored = store.find_by_workflow(workflow_id)
                if stored is not None:
                    store.delete_item(stored.snapshot.id)
                print(f"Deleted {workflow_id} and its files on Vimmerse.")
    finally:
        store.close()
    return code


def run_templates(args: argparse.Namespace) -> int:
    catalog = load_catalog()
    if args.json:
        for template in catalog.templates:
            print(
                json.dumps(
                    {
                        "id": template.id,
                        "label": template.label,
                        "description": template.description,
                        "default": template.id == catalog.default_id,
                        "options": {
                            o.key: {
                                "default": o.default,
                                "choices": list(o.choices),
                                "kind": o.kind,
                            }
                            for o in template.options
                        },
                    }
                )
            )
        return ExitCode.OK
    for template in catalog.templates:
        mark = " (default)" if template.id == catalog.default_id else ""
        print(f"{template.id}{mark}: {template.label} — {template.description}")
        for option in template.options:
            choices = f" [{', '.join(option.choices)}]" if option.choices else ""
            default = f" default {option.default}" if option.default else ""
            print(f"    --option {option.key}=…{choices}{default}")
    print("Any other template id is accepted too, with free-form --option KEY=VALUE.")
    return ExitCode.OK


def run_key(args: argparse.Namespace, key: str | None, base_url: str) -> int:
    if args.action == "clear":
        clear_key()
        print("Your API key was removed from this computer's password store.")
        if key is not None and _env_key_set():
            print(f"The {KEY_ENV} environment variable is still set; unset it to stop using it.")
        return ExitCode.OK
    if args.action == "check":
        if key is None:
            return _no_key()
        return _check(key, base_url, "Your API key works.")
    # set
    if sys.stdin.isatty():
        value = getpass.getpass("Vimmerse API key (not shown): ")
    else:
        value = sys.stdin.readline()
    value = value.strip()
    if not value:
        raise UsageError("No key was given.")
    code = _check(value, base_url, None)
    if code != ExitCode.OK:
        return code
    origin = store_key(value)
    if origin is KeyOrigin.SESSION:
        _error(keyring_refused_message())
        _error(f"Nothing was saved. Set {KEY_ENV} to use the key from the command line.")
        return ExitCode.NO_KEY
    print("Your API key works and was saved in this computer's password store.")
    return ExitCode.OK


def _check(key: str, base_url: str, ok_message: str | None) -> int:
    try:
        client: WorkflowClient = make_client(key, base_url)  # refuses a malformed key
    except ApiError as exc:
        _error(str(exc))
        return api_exit(exc)
    try:
        client.check_key()
    except ApiError as exc:
        _error(str(exc))
        return api_exit(exc)
    finally:
        client.close()
    if ok_message:
        print(ok_message)
    return ExitCode.OK


def _env_key_set() -> bool:
    import os

    return bool(os.environ.get(KEY_ENV, "").strip())


def _no_key() -> int:
    _error(
        "No Vimmerse API key is set. Run “vimbatch key set”, "
        f"or set the {KEY_ENV} environment variable."
    )
    return ExitCode.NO_KEY


def _error(text: str) -> None:
    print(text, file=sys.stderr, flush=True)
