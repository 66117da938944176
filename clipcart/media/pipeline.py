"""The media pipeline: probe and transcode videos with ffmpeg, resize photos with Pillow.

Pure functions, files in and files out, no database: the upload view probes with them and the
worker transcodes with them, so both apply one set of rules.

There is no ffprobe in imageio-ffmpeg's build, so a video is probed by opening it with
`ffmpeg -i FILE` and reading the report ffmpeg writes to stderr.
"""

from __future__ import annotations

import functools
import io
import logging
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg
from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

from clipcart.core.errors import InvalidInput

logger = logging.getLogger(__name__)

# ffmpeg only ever opens these demuxers (mov: MP4 and MOV, matroska: Matroska and WebM). Besides
# narrowing what is accepted, this keeps ffmpeg from following a playlist (HLS, concat) disguised
# as a video, which would read other files of the server.
ACCEPTED_DEMUXERS = "mov,matroska"
ACCEPTED_VIDEO_CODECS = frozenset({"h264", "hevc", "vp8", "vp9", "av1", "mpeg4"})
ACCEPTED_AUDIO_CODECS = frozenset({"aac", "mp3", "opus", "vorbis"})
# A phone stopping "at 3:00" writes 180.02 s; nobody should be refused for the rounding.
DURATION_TOLERANCE_MS = 500
MAX_SHORT_SIDE = 720
PROBE_TIMEOUT_S = 60.0
# Below the 30 minutes after which retry_stuck_posts assumes a job was lost, so a slow job is
# never run twice at once.
TRANSCODE_TIMEOUT_S = 20 * 60.0
POSTER_AT_S = 1.0

MAX_PHOTO_SIZE = (1080, 1920)
MAX_PHOTO_PIXELS = 50_000_000
# The only decoders Pillow may try: exotic ones (EPS runs Ghostscript, PSD, ...) never see input.
PHOTO_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")

_INPUT_RE = re.compile(r"^Input #0, (?P<demuxer>[\w,]+), from ", re.MULTILINE)
_DURATION_RE = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")
_STREAM_RE = re.compile(r"Stream #0:\d+\S*: (?P<kind>\w+): (?P<codec>\w+)")
# "yuv420p(progressive), 320x568 [SAR" or "yuv420p(tv, progressive), 1080x1920, SAR"; the comma
# keeps a codec tag such as "(avc1 / 0x31637661)" from reading as a size.
_SIZE_RE = re.compile(r",\s(\d{1,5})x(\d{1,5})\b")
_ROTATION_RE = re.compile(r"rotation of (-?\d+(?:\.\d+)?) degrees", re.IGNORECASE)
_OUT_TIME_RE = re.compile(r"^out_time_us=(\d+)$", re.MULTILINE)
# First bytes of the two accepted container families: an ISO-BMFF box type at offset 4, or the
# EBML magic of Matroska. A file that starts like one but cannot be opened is damaged, not alien.
_ISO_BOXES = (b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot")
_EBML_MAGIC = b"\x1a\x45\xdf\xa3"


class TranscodeFailed(Exception):
    """ffmpeg could not make the rendition. `reason` is a sentence to show the creator."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class VideoProbe:
    container: str  # ffmpeg's demuxer family: "mov" (MP4, MOV) or "matroska" (Matroska, WebM)
    video_codec: str
    audio_codec: str | None
    duration_ms: int
    width: int  # as displayed, after the rotation a phone records
    height: int


@dataclass(frozen=True)
class Rendition:
    stream_path: Path
    poster_path: Path
    duration_ms: int
    width: int
    height: int


@dataclass(frozen=True)
class _Stream:
    kind: str  # "Video", "Audio", "Data", ...
    codec: str
    report: str  # the stream's line and its indented Metadata / Side data lines


@functools.cache
def ffmpeg_exe() -> str:
    return imageio_ffmpeg.get_ffmpeg_exe()


def _invalid(code: str, message: str) -> InvalidInput:
    return InvalidInput(message, code=code, field="file")


def _input_args(path: Path) -> list[str]:
    # "file:" stops a name such as "concat:a|b" or "http://..." being read as a protocol.
    return ["-format_whitelist", ACCEPTED_DEMUXERS, "-i", f"file:{path}"]


def _run(args: list[str], *, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ffmpeg_exe(), "-nostdin", "-hide_banner", *args],
        capture_output=True,
        text=True,
        errors="replace",
        timeout=timeout,
        check=False,
    )


# --- Probing ------------------------------------------------------------------------------------


def probe_video(path: str | Path) -> VideoProbe:
    """What the video is, or InvalidInput (field "file") saying why it is refused: codes
    not_a_video, unsupported_format, damaged_video, empty_video, too_long."""
    path = Path(path)
    if path.stat().st_size == 0:
        raise _invalid("not_a_video", "The file is empty.")
    try:
        report = _run(_input_args(path), timeout=PROBE_TIMEOUT_S).stderr
    except subprocess.TimeoutExpired:  # a file built to stall the demuxer: refuse, don't 500
        raise _invalid("damaged_video", "The file could not be read in time.") from None
    header = _INPUT_RE.search(report)
    if header is None:
        raise _unopenable(path, report)
    streams = _streams(report)
    video = next((s for s in streams if s.kind == "Video" and not _is_cover_art(s)), None)
    if video is None:
        raise _invalid("not_a_video", "The file has no video track.")
    audio = next((s for s in streams if s.kind == "Audio"), None)
    _check_codecs(video, audio)
    width, height = _display_size(video)
    duration_ms = _duration_ms(report) or _measured_duration_ms(path)
    _check_duration(duration_ms)
    return VideoProbe(
        container=header["demuxer"].split(",")[0],
        video_codec=video.codec,
        audio_codec=audio.codec if audio else None,
        duration_ms=duration_ms,
        width=width,
        height=height,
    )


def _unopenable(path: Path, report: str) -> InvalidInput:
    if "not on whitelist" in report:
        return _invalid(
            "unsupported_format", "This file format is not accepted: upload an MP4, MOV or WebM."
        )
    if _starts_like_a_video(path):
        return _invalid(
            "damaged_video", "The video file is damaged or incomplete (was the upload cut off?)."
        )
    return _invalid("not_a_video", "This file is not a video.")


def _starts_like_a_video(path: Path) -> bool:
    with path.open("rb") as handle:
        head = handle.read(12)
    return head[4:8] in _ISO_BOXES or head.startswith(_EBML_MAGIC)


def _streams(report: str) -> list[_Stream]:
    streams = []
    for block in re.split(r"\n(?=\s*Stream #0:)", report)[1:]:
        match = _STREAM_RE.search(block.splitlines()[0])
        if match:
            streams.append(_Stream(kind=match["kind"], codec=match["codec"], report=block))
    return streams


def _is_cover_art(stream: _Stream) -> bool:
    return "(attached pic)" in stream.report.splitlines()[0]


def _check_codecs(video: _Stream, audio: _Stream | None) -> None:
    if video.codec not in ACCEPTED_VIDEO_CODECS:
        raise _invalid(
            "unsupported_format",
            f"Video encoded as {video.codec} is not accepted: use H.264, HEVC, VP8, VP9 or AV1.",
        )
    if audio is not None and audio.codec not in ACCEPTED_AUDIO_CODECS:
        raise _invalid(
            "unsupported_format",
            f"Sound encoded as {audio.codec} is not accepted: use AAC, MP3, Opus or Vorbis.",
        )


def _display_size(video: _Stream) -> tuple[int, int]:
    size = _SIZE_RE.search(video.report.splitlines()[0])
    if size is None or int(size[1]) == 0 or int(size[2]) == 0:
        raise _invalid("damaged_video", "The video's picture size could not be read.")
    width, height = int(size[1]), int(size[2])
    rotation = _ROTATION_RE.search(video.report)
    # Phones store portrait video as landscape frames plus a rotation; viewers see it turned.
    if rotation and round(float(rotation[1])) % 180 == 90:
        return height, width
    return width, height


def _duration_ms(report: str) -> int:
    match = _DURATION_RE.search(report)
    if match is None:  # "Duration: N/A"
        return 0
    hours, minutes, seconds = int(match[1]), int(match[2]), float(match[3])
    return round((hours * 3600 + minutes * 60 + seconds) * 1000)


def _measured_duration_ms(path: Path) -> int:
    """Duration found by reading the packets, for a file whose header has none (a browser's
    MediaRecorder writes WebM without one). Demuxing only, no decoding: fast even when long."""
    args = [*_input_args(path), "-map", "0:v:0", "-c", "copy", "-f", "null", "-"]
    try:
        result = _run(["-v", "error", *args, "-progress", "pipe:1", "-nostats"], timeout=120)
    except subprocess.TimeoutExpired:
        raise _invalid("damaged_video", "The file could not be read in time.") from None
    times = _OUT_TIME_RE.findall(result.stdout)
    return int(times[-1]) // 1000 if times else 0


def _check_duration(duration_ms: int) -> None:
    if duration_ms <= 0:
        raise _invalid("empty_video", "The video has no length.")
    limit_ms = settings.CLIPCART_MAX_VIDEO_SECONDS * 1000
    if duration_ms > limit_ms + DURATION_TOLERANCE_MS:
        raise _invalid(
            "too_long",
            f"The video is {_clock(duration_ms)} long; videos can be at most {_clock(limit_ms)}.",
        )


def _clock(ms: int) -> str:
    minutes, seconds = divmod(round(ms / 1000), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"


# --- Transcoding --------------------------------------------------------------------------------


def transcode_video(
    src_path: str | Path, out_dir: str | Path, *, timeout_s: float = TRANSCODE_TIMEOUT_S
) -> Rendition:
    """An H.264/AAC MP4 (shorter side at most 720, moov first so playback starts before the
    download ends) and a JPEG poster, written into `out_dir`.

    Raises InvalidInput (see probe_video) for a refused source and TranscodeFailed when ffmpeg
    cannot decode it all or runs out of time.
    """
    source = probe_video(src_path)
    stream_path, poster_path = Path(out_dir) / "stream.mp4", Path(out_dir) / "poster.jpg"
    has_audio = source.audio_codec is not None
    _ffmpeg(_stream_args(Path(src_path), stream_path, has_audio=has_audio), timeout_s=timeout_s)
    output = probe_video(stream_path)
    _check_complete(source, output)
    _make_poster(stream_path, poster_path, duration_ms=output.duration_ms)
    return Rendition(
        stream_path=stream_path,
        poster_path=poster_path,
        duration_ms=output.duration_ms,
        width=output.width,
        height=output.height,
    )


# The shorter side becomes at most 720 (never upscaled); -2 keeps the aspect ratio and an even
# length, which yuv420p needs. ffmpeg has already applied the phone's rotation by then.
_SCALE_FILTER = (
    f"scale=w='if(lte(iw,ih),trunc(min({MAX_SHORT_SIDE},iw)/2)*2,-2)'"
    f":h='if(lte(iw,ih),-2,trunc(min({MAX_SHORT_SIDE},ih)/2)*2)'"
)


def _stream_args(src: Path, out: Path, *, has_audio: bool) -> list[str]:
    audio = ["-map", "0:a:0", "-c:a", "aac", "-b:a", "128k", "-ac", "2"] if has_audio else ["-an"]
    return [
        *_input_args(src),
        "-map", "0:v:0", *audio,
        # No metadata or chapters in what is published: phones record where a video was shot.
        "-map_metadata", "-1", "-map_chapters", "-1",
        "-vf", _SCALE_FILTER,
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p",
        "-movflags", "+faststart",
        "-f", "mp4", f"file:{out}",
    ]  # fmt: skip


def _make_poster(stream_path: Path, poster_path: Path, *, duration_ms: int) -> None:
    at_s = min(POSTER_AT_S, duration_ms / 2000)
    args = ["-ss", f"{at_s:.3f}", *_input_args(stream_path)]
    args += ["-frames:v", "1", "-q:v", "3", "-update", "1", "-f", "image2", f"file:{poster_path}"]
    _ffmpeg(args, timeout_s=PROBE_TIMEOUT_S)
    if not poster_path.exists() or poster_path.stat().st_size == 0:
        raise TranscodeFailed("No picture could be taken from the video for its cover.")


def _ffmpeg(args: list[str], *, timeout_s: float) -> None:
    # -xerror and -v error: a frame that cannot be decoded stops the run, instead of ffmpeg
    # skipping it and publishing half a video.
    try:
        result = _run(["-v", "error", "-xerror", "-y", *args], timeout=timeout_s)
    except subprocess.TimeoutExpired:
        raise TranscodeFailed("The video took too long to process.") from None
    if result.returncode != 0:
        logger.warning("ffmpeg failed (%s): %s", result.returncode, result.stderr[-2000:])
        raise TranscodeFailed(_failure_reason(result.stderr))


def _failure_reason(stderr: str) -> str:
    damaged = ("Invalid data", "corrupt", "decod", "ended prematurely", "truncat", "moov atom")
    if any(marker.lower() in stderr.lower() for marker in damaged):
        return "The video file is damaged and could not be decoded."
    return "The video could not be converted."


def _check_complete(source: VideoProbe, output: VideoProbe) -> None:
    # Some damage (a WebM cut short) only ends the input early: ffmpeg succeeds with a short video.
    if output.duration_ms + max(250, source.duration_ms // 20) < source.duration_ms:
        raise TranscodeFailed("The video file is damaged or incomplete: it ends early.")


# --- Photos -------------------------------------------------------------------------------------


def resize_photo(src: str | Path | bytes, out: str | Path) -> tuple[int, int]:
    """Writes `src` upright, fitted within 1080x1920 and without metadata, to `out` (JPEG, or
    WebP when `out` ends in .webp). Returns the new width and height.

    Raises InvalidInput (field "file"): not_an_image, damaged_image, image_too_large.
    """
    _verify_image(src)
    with _open_image(src) as opened:
        icc_profile = opened.info.get("icc_profile")
        try:
            image = _flatten(ImageOps.exif_transpose(opened))
        except OSError:  # truncated data, found only when decoding
            raise _invalid("damaged_image", "The image is damaged and could not be read.") from None
    image.thumbnail(MAX_PHOTO_SIZE, Image.Resampling.LANCZOS)
    _save_photo(image, Path(out), icc_profile=icc_profile)
    return image.size


def _open_image(src: str | Path | bytes) -> Image.Image:
    source = io.BytesIO(src) if isinstance(src, bytes) else src
    try:
        image = Image.open(source, formats=PHOTO_FORMATS)
    except UnidentifiedImageError:
        raise _invalid(
            "not_an_image", "This file is not an image (JPEG, PNG, WebP or GIF)."
        ) from None
    except Image.DecompressionBombError:
        raise _too_large() from None
    if image.width * image.height > MAX_PHOTO_PIXELS:
        image.close()
        raise _too_large()
    return image


def _too_large() -> InvalidInput:
    return _invalid("image_too_large", f"The image has more than {MAX_PHOTO_PIXELS:,} pixels.")


def _verify_image(src: str | Path | bytes) -> None:
    # verify() checks the file's structure without decoding it; the image cannot be used after.
    with _open_image(src) as image:
        try:
            image.verify()
        except Exception:  # Pillow raises assorted errors for a damaged file
            raise _invalid("damaged_image", "The image is damaged and could not be read.") from None


def _flatten(image: Image.Image) -> Image.Image:
    """RGB, with transparency painted onto white: JPEG has no alpha, and black is the default."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _save_photo(image: Image.Image, out: Path, *, icc_profile: bytes | None) -> None:
    # A fresh info dict: nothing of the original (EXIF with GPS, XMP, comments) is carried over.
    # The colour profile stays, or wide-gamut phone photos would look washed out.
    image.info = {}
    extra = {"icc_profile": icc_profile} if icc_profile else {}
    if out.suffix.lower() == ".webp":
        image.save(out, format="WEBP", quality=82, method=4, **extra)
    else:
        image.save(out, format="JPEG", quality=85, optimize=True, progressive=True, **extra)
