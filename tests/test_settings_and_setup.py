"""The setup that `make run` relies on: the Python lookup, the fallbacks in settings, markers."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.worker_services import _own_database

ROOT = Path(__file__).resolve().parents[1]
FIND_PYTHON = ROOT / ".ci" / "find-python"

# A stand-in interpreter: answers find-python's version check and prints who it is.
GOOD = '#!/bin/sh\ncase "$2" in *print*) echo "{name}";; *) exit 0;; esac\n'
OLD = "#!/bin/sh\nexit 1\n"  # a Python older than 3.12 fails the check
SHIM = "#!/bin/sh\necho 'pyenv: python3.13: command not found' >&2\nexit 127\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)
    return path


@pytest.fixture
def sandbox(tmp_path):
    """A PATH holding only the tools find-python uses, and an empty pyenv root."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("env", "bash", "sh", "ls", "sort"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    pyenv_root = tmp_path / "pyenv"
    (pyenv_root / "versions").mkdir(parents=True)
    env = {"PATH": str(bin_dir), "PYENV_ROOT": str(pyenv_root), "HOME": str(tmp_path)}
    return bin_dir, pyenv_root, env


def find_python(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(FIND_PYTHON)], env=env, capture_output=True, text=True, check=False, timeout=30
    )


def test_an_explicit_python_wins(sandbox, tmp_path):
    bin_dir, _, env = sandbox
    write(bin_dir / "python3.13", GOOD.format(name="path-3.13"))
    chosen = write(tmp_path / "mine", GOOD.format(name="explicit"))

    result = find_python({**env, "PYTHON": str(chosen)})

    assert result.returncode == 0
    assert result.stdout.strip() == "explicit"


def test_an_explicit_python_that_is_too_old_is_an_error(sandbox, tmp_path):
    _, _, env = sandbox
    old = write(tmp_path / "old", OLD)

    result = find_python({**env, "PYTHON": str(old)})

    assert result.returncode == 1
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert ">= 3.12" in result.stderr


def test_a_failing_shim_is_skipped_for_the_next_name_on_the_path(sandbox):
    bin_dir, _, env = sandbox
    write(bin_dir / "python3.13", SHIM)
    write(bin_dir / "python3.12", GOOD.format(name="path-3.12"))

    result = find_python(env)

    assert result.stdout.strip() == "path-3.12"


def test_pyenv_versions_are_used_when_nothing_on_the_path_is_new_enough(sandbox):
    bin_dir, pyenv_root, env = sandbox
    write(bin_dir / "python3.13", SHIM)
    write(bin_dir / "python3", OLD)
    write(pyenv_root / "versions/3.11.7/bin/python", GOOD.format(name="pyenv-3.11"))
    write(pyenv_root / "versions/3.12.1/bin/python", GOOD.format(name="pyenv-3.12"))
    write(pyenv_root / "versions/3.13.0/bin/python", GOOD.format(name="pyenv-3.13"))

    result = find_python(env)

    assert result.returncode == 0
    assert result.stdout.strip() == "pyenv-3.13"


def test_it_names_the_requirement_when_no_python_is_found(sandbox):
    bin_dir, pyenv_root, env = sandbox
    write(bin_dir / "python3", OLD)
    write(pyenv_root / "versions/3.11.7/bin/python", OLD)

    result = find_python(env)

    assert result.returncode == 1
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Python >= 3.12 is required" in result.stderr


def settings_in_subprocess(**env: str) -> list[str]:
    code = (
        "from django.conf import settings; "
        "print(settings.DATABASES['default']['ENGINE']); "
        "print(getattr(settings, 'CELERY_TASK_ALWAYS_EAGER', False)); "
        "print(getattr(settings, 'CELERY_BROKER_URL', ''))"
    )
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**base, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout.split("\n")


def test_without_database_and_redis_urls_it_uses_sqlite_and_in_process_tasks():
    engine, eager, broker, _ = settings_in_subprocess()

    assert engine == "django.db.backends.sqlite3"
    assert eager == "True"
    assert broker == ""


def test_with_database_and_redis_urls_it_uses_postgresql_and_redis():
    engine, eager, broker, _ = settings_in_subprocess(
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/example",
        REDIS_URL="redis://127.0.0.1:6379/3",
    )

    assert engine == "django.db.backends.postgresql"
    assert eager == "False"
    assert broker == "redis://127.0.0.1:6379/3"


def test_the_benchmarks_are_left_out_of_the_normal_run():
    command = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-m", "not benchmark"]
    result = subprocess.run(
        [*command, "tests/benchmarks"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )

    assert result.returncode == 5, result.stdout  # 5: every benchmark deselected
    assert "deselected" in result.stdout


def test_each_test_worker_gets_a_redis_database_of_its_own():
    url = "redis://127.0.0.1:6379/0"
    assert _own_database(url, "gw0") == "redis://127.0.0.1:6379/1"
    assert _own_database(url, "gw14") == "redis://127.0.0.1:6379/15"
    with pytest.raises(RuntimeError, match="At most 15 test workers"):
        _own_database(url, "gw15")
