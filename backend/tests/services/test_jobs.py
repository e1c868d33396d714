"""services/jobs: work is queued by task name after the commit, and every name is a registered task."""

from __future__ import annotations

import ast
import time
from pathlib import Path

import trackbase

PACKAGE = Path(trackbase.__file__).parent


def _enqueue_calls():
    """(file, line, first argument node) of every call to jobs.enqueue / enqueue in the package."""
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name == "enqueue" and node.args:
                yield path.relative_to(PACKAGE.parent), node.lineno, node.args[0]


def test_every_enqueued_name_is_a_registered_task(app):
    import trackbase.tasks  # noqa: F401

    registered = app.extensions["celery"].tasks
    calls = list(_enqueue_calls())
    assert len(calls) >= 6  # mail (2), reminders, reports (2), export, inventory refresh
    for path, line, arg in calls:
        assert isinstance(arg, ast.Constant) and isinstance(arg.value, str), (
            f"{path}:{line}: enqueue takes the task name as a string literal, so this check can read it"
        )
        assert arg.value in registered, f"{path}:{line}: {arg.value} is not a registered task"


def test_job_progress_helpers_move_through_states(app, db, user):
    from trackbase.models import Job
    from trackbase.services import jobs

    job = jobs.create_job(user.id, "report")
    db.session.commit()
    jobs.update_job(job.id, progress=150, message="Half way")
    job = db.session.get(Job, job.id)
    assert (job.status, job.progress, job.message) == ("running", 100, "Half way")
    jobs.fail_job(job.id, "The mail server refused the message.")
    job = db.session.get(Job, job.id)
    assert job.status == "failed" and job.finished_at is not None


def test_enqueued_task_runs_after_commit_and_is_dropped_on_rollback(app, db, celery_worker, smtp):
    from trackbase.services import jobs

    jobs.enqueue("trackbase.tasks.mail.send_email", "dropped@example.com", "Dropped", "text", None, [])
    db.session.rollback()
    db.session.commit()
    jobs.enqueue("trackbase.tasks.mail.send_email", "kept@example.com", "Kept", "text", None, [])
    assert smtp.messages == []  # nothing leaves before the commit
    db.session.commit()
    assert [str(m["To"]) for m in smtp.wait_for(1, to="kept@example.com")] == ["kept@example.com"]
    time.sleep(0.3)  # a dropped message queued first would have arrived by now
    assert [str(m["To"]) for m in smtp.messages] == ["kept@example.com"]
