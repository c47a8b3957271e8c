import json

import pytest

from pipeline.errors import PipelineError
from pipeline.runs import RunRecord, find_runs, require_completed, tracked_run


def status_after(tmp_path, error: BaseException | None) -> dict:
    record = RunRecord(run_id="r", experiment="e", seed=1)
    try:
        with tracked_run(tmp_path, record):
            assert json.loads((tmp_path / "run.json").read_text())["status"] == "running"
            if error:
                raise error
    except BaseException:
        pass
    return json.loads((tmp_path / "run.json").read_text())


@pytest.mark.parametrize(
    "error, status",
    [(None, "completed"), (RuntimeError("boom"), "failed"), (KeyboardInterrupt(), "interrupted")],
)
def test_run_json_tells_the_truth(tmp_path, error, status):
    run = status_after(tmp_path, error)
    assert run["status"] == status
    assert run["ended"] and run["duration_s"] >= 0
    assert (run["error"] is None) == (error is None)
    if status == "failed":
        assert run["error"] == "RuntimeError: boom"


def test_only_completed_runs_are_usable(tmp_path):
    status_after(tmp_path / "a", None)
    status_after(tmp_path / "b", RuntimeError("x"))
    assert require_completed(tmp_path / "a")["status"] == "completed"
    with pytest.raises(PipelineError, match="status: failed"):
        require_completed(tmp_path / "b")
    assert [p.name for p in find_runs(tmp_path)] == ["a", "b"]
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "run.json").write_text("{not json")
    with pytest.raises(PipelineError, match="not valid JSON"):
        require_completed(tmp_path / "c")
