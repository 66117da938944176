"""Test videos made with ffmpeg once per test session: small, a second or two, in tmp dirs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.core.files import File

from clipcart.media.models import Post
from clipcart.media.pipeline import ffmpeg_exe


def ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_exe(), "-nostdin", "-v", "error", "-y", *args], check=True, timeout=60)


def cut(source: Path, target: Path, *, keep: float) -> Path:
    data = source.read_bytes()
    target.write_bytes(data[: int(len(data) * keep)])
    return target


@pytest.fixture(scope="session")
def video_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("videos")


@pytest.fixture(scope="session")
def phone_mp4(video_dir) -> Path:
    """Two seconds of 320x568 H.264 with AAC sound; its index (moov) at the end, as phones write."""
    path = video_dir / "phone.mp4"
    ffmpeg(
        *("-f", "lavfi", "-i", "testsrc2=size=320x568:rate=15"),
        *("-f", "lavfi", "-i", "sine=frequency=440"),
        *("-t", "2", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest"),
        str(path),
    )
    return path


@pytest.fixture(scope="session")
def faststart_mp4(video_dir, phone_mp4) -> Path:
    path = video_dir / "faststart.mp4"
    ffmpeg("-i", str(phone_mp4), "-c", "copy", "-movflags", "+faststart", str(path))
    return path


@pytest.fixture(scope="session")
def portrait_webm(video_dir) -> Path:
    """One second of 1080x1920 VP9 with Opus sound, as a browser records it."""
    path = video_dir / "portrait.webm"
    ffmpeg(
        *("-f", "lavfi", "-i", "testsrc2=size=1080x1920:rate=10"),
        *("-f", "lavfi", "-i", "sine=frequency=440"),
        *("-t", "1", "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8"),
        *("-c:a", "libopus", "-shortest"),
        str(path),
    )
    return path


@pytest.fixture(scope="session")
def silent_mov(video_dir) -> Path:
    path = video_dir / "silent.mov"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=64x48:rate=5", "-t", "1", "-c:v", "mpeg4", str(path))
    return path


@pytest.fixture(scope="session")
def two_hour_mp4(video_dir) -> Path:
    """A genuine two-hour video, cheap at one 16x16 black frame a second."""
    path = video_dir / "two-hours.mp4"
    ffmpeg(
        *("-f", "lavfi", "-i", "color=black:size=16x16:rate=1", "-t", "7200"),
        *("-c:v", "libx264", "-preset", "ultrafast"),
        str(path),
    )
    return path


@pytest.fixture
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def make_post(creator, media_root):
    """A post in processing whose original is a copy of `source`, stored like an upload."""

    def make(source: Path, *, kind: str = Post.Kind.VIDEO) -> Post:
        post = Post(creator=creator, kind=kind)
        with source.open("rb") as handle:
            post.original.save(source.name, File(handle), save=False)
        post.save()
        return post

    return make
