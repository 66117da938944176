"""Settings read the environment and fail loudly on values that cannot work."""

import subprocess
import sys

import pytest

GOOD_KEY = "k" * 50


def load_settings(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import clipcart.settings as s; print(s.DATABASES['default']['ENGINE'])",
        ],
        env={"PATH": "/usr/bin:/bin", "SECRET_KEY": GOOD_KEY, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_embedded_default_is_sqlite(tmp_path):
    result = load_settings(CLIPCART_VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.sqlite3"


def test_embedded_mode_makes_and_keeps_its_own_random_key(tmp_path):
    code = "import clipcart.settings as s; print(s.SECRET_KEY)"
    env = {"PATH": "/usr/bin:/bin", "CLIPCART_VAR_DIR": str(tmp_path)}

    def run():
        return subprocess.run(
            [sys.executable, "-c", code],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout.strip()

    first = run()
    assert len(first) >= 50
    assert run() == first
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"


def test_postgresql_without_a_secret_key_refuses_to_start(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", "import clipcart.settings"],
        env={
            "PATH": "/usr/bin:/bin",
            "DATABASE_URL": "postgres://u@127.0.0.1/db",
            "CLIPCART_VAR_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "SECRET_KEY must be set" in result.stderr


def test_database_url_selects_postgresql():
    result = load_settings(DATABASE_URL="postgres://u@127.0.0.1:5432/db")
    assert result.stdout.strip() == "django.db.backends.postgresql"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DATABASE_URL": "mysql://u@h/db"}, "DATABASE_URL must point at PostgreSQL or SQLite"),
        ({"REDIS_URL": "localhost:6379"}, "REDIS_URL must start with"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY must be at least 32 characters"),
        ({"DEBUG": "maybe"}, "DEBUG"),
    ],
)
def test_bad_values_stop_start_up_with_a_clear_message(tmp_path, env, message):
    result = load_settings(CLIPCART_VAR_DIR=str(tmp_path), **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_https_mode_makes_cookies_secure(tmp_path):
    code = "import clipcart.settings as s; print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={
            "PATH": "/usr/bin:/bin",
            "SECRET_KEY": GOOD_KEY,
            "HTTPS": "true",
            "CLIPCART_VAR_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == ["True", "True"]
