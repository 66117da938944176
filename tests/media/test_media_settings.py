"""Media settings read from the environment: S3-compatible storage and the limits."""

from __future__ import annotations

import json
import subprocess
import sys

PRINT = (
    "import json, clipcart.settings as s; "
    "print(json.dumps([s.STORAGES['default'], s.SERVE_MEDIA, s.CLIPCART_MAX_UPLOAD_BYTES]))"
)


def load(tmp_path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", PRINT],
        env={"PATH": "/usr/bin:/bin", "SECRET_KEY": "k" * 50, "CLIPCART_VAR_DIR": str(tmp_path)}
        | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_bucket_moves_media_to_s3_and_stops_serving_it_locally(tmp_path):
    result = load(
        tmp_path,
        MEDIA_S3_BUCKET="clipcart-media",
        MEDIA_S3_ENDPOINT_URL="http://127.0.0.1:9000",
        MEDIA_S3_ACCESS_KEY_ID="minio",
        MEDIA_S3_SECRET_ACCESS_KEY="minio-secret",
    )
    storage, serve_media, _ = json.loads(result.stdout)

    assert storage == {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": "clipcart-media",
            "endpoint_url": "http://127.0.0.1:9000",
            "access_key": "minio",
            "secret_key": "minio-secret",
            "file_overwrite": False,
            "querystring_auth": False,
        },
    }
    assert serve_media is False


def test_without_a_bucket_media_stays_on_disk_and_is_served(tmp_path):
    storage, serve_media, max_upload = json.loads(load(tmp_path).stdout)
    assert storage["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert serve_media is True
    assert max_upload == 512 * 1024 * 1024


def test_a_limit_that_is_not_a_positive_number_stops_start_up(tmp_path):
    result = load(tmp_path, CLIPCART_MAX_VIDEO_SECONDS="0")
    assert "CLIPCART_MAX_VIDEO_SECONDS must be more than 0" in result.stderr
    result = load(tmp_path, CLIPCART_MAX_UPLOAD_BYTES="lots")
    assert "CLIPCART_MAX_UPLOAD_BYTES must be a whole number" in result.stderr
