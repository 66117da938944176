"""The media pipeline on real files made by ffmpeg: what is accepted, refused, and produced."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from clipcart.core.errors import InvalidInput
from clipcart.media import pipeline

from .conftest import cut, ffmpeg


def refusal(path: Path) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        pipeline.probe_video(path)
    assert caught.value.field == "file"
    return caught.value


# --- Probing ------------------------------------------------------------------------------------


def test_a_phone_video_is_probed_for_container_codecs_duration_and_size(phone_mp4):
    assert pipeline.probe_video(phone_mp4) == pipeline.VideoProbe(
        container="mov",
        video_codec="h264",
        audio_codec="aac",
        duration_ms=2000,
        width=320,
        height=568,
    )


def test_a_video_without_sound_has_no_audio_codec(silent_mov):
    probe = pipeline.probe_video(silent_mov)
    assert (probe.video_codec, probe.audio_codec, probe.width, probe.height) == (
        "mpeg4",
        None,
        64,
        48,
    )


def test_a_video_stored_with_a_rotation_reports_the_size_it_is_shown_at(phone_mp4, tmp_path):
    rotated = tmp_path / "rotated.mp4"
    ffmpeg("-display_rotation:v:0", "90", "-i", str(phone_mp4), "-c", "copy", str(rotated))
    probe = pipeline.probe_video(rotated)
    assert (probe.width, probe.height) == (568, 320)


def test_a_text_file_renamed_to_mp4_is_not_a_video(tmp_path):
    fake = tmp_path / "clip.mp4"
    fake.write_text("Dear diary, today I did not record a video.\n" * 20)
    error = refusal(fake)
    assert error.code == "not_a_video"
    assert error.message == "This file is not a video."


def test_an_empty_file_is_not_a_video(tmp_path):
    empty = tmp_path / "clip.mp4"
    empty.touch()
    assert refusal(empty).code == "not_a_video"


def test_an_mp4_cut_off_before_its_index_is_damaged(phone_mp4, tmp_path):
    # Without faststart the moov box comes last, so the first half has no index at all.
    error = refusal(cut(phone_mp4, tmp_path / "half.mp4", keep=0.5))
    assert error.code == "damaged_video"
    assert "damaged" in error.message


def test_a_format_other_than_mp4_mov_or_webm_is_refused(tmp_path):
    avi = tmp_path / "clip.avi"
    ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=size=64x64:rate=5", "-t", "1", "-c:v", "libx264", str(avi)
    )
    error = refusal(avi)
    assert error.code == "unsupported_format"
    assert "MP4, MOV or WebM" in error.message


def test_a_codec_not_on_the_list_is_refused(tmp_path):
    gif_in_mov = tmp_path / "clip.mov"
    ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=size=64x64:rate=5", "-t", "1", "-c:v", "gif", str(gif_in_mov)
    )
    error = refusal(gif_in_mov)
    assert error.code == "unsupported_format"
    assert "gif" in error.message


def test_a_two_hour_video_is_too_long(two_hour_mp4):
    error = refusal(two_hour_mp4)
    assert error.code == "too_long"
    assert error.message == "The video is 2:00:00 long; videos can be at most 3:00."


def test_the_length_limit_comes_from_the_settings(phone_mp4, settings):
    settings.CLIPCART_MAX_VIDEO_SECONDS = 1
    assert refusal(phone_mp4).code == "too_long"


def test_a_recording_without_a_duration_in_its_header_is_measured(tmp_path):
    # A browser's MediaRecorder writes WebM like this: live, no duration, no index.
    live = tmp_path / "recording.webm"
    ffmpeg(
        *("-f", "lavfi", "-i", "testsrc2=size=64x64:rate=5", "-t", "3"),
        *("-c:v", "libvpx", "-live", "1", "-f", "webm", str(live)),
    )
    assert pipeline.probe_video(live).duration_ms == 3000


# --- Transcoding --------------------------------------------------------------------------------


def test_a_vp9_webm_becomes_a_faststart_h264_mp4_no_wider_than_720(portrait_webm, tmp_path):
    rendition = pipeline.transcode_video(portrait_webm, tmp_path)

    output = pipeline.probe_video(rendition.stream_path)
    assert (output.container, output.video_codec, output.audio_codec) == ("mov", "h264", "aac")
    assert (output.width, output.height) == (rendition.width, rendition.height) == (720, 1280)
    assert rendition.duration_ms == pytest.approx(1000, abs=100)
    data = rendition.stream_path.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")  # playback starts before the download ends
    with Image.open(rendition.poster_path) as poster:
        assert (poster.format, poster.size) == ("JPEG", (720, 1280))


def test_a_small_video_is_not_upscaled(phone_mp4, tmp_path):
    rendition = pipeline.transcode_video(phone_mp4, tmp_path)
    assert (rendition.width, rendition.height) == (320, 568)


def test_a_faststart_mp4_cut_in_half_fails_instead_of_publishing_half(faststart_mp4, tmp_path):
    truncated = cut(faststart_mp4, tmp_path / "half.mp4", keep=0.5)
    assert pipeline.probe_video(truncated).duration_ms == 2000  # the index is whole

    with pytest.raises(pipeline.TranscodeFailed) as caught:
        pipeline.transcode_video(truncated, tmp_path)
    assert caught.value.reason == "The video file is damaged and could not be decoded."


def test_a_webm_cut_short_fails_instead_of_publishing_the_part_that_is_left(
    portrait_webm, tmp_path
):
    truncated = cut(portrait_webm, tmp_path / "short.webm", keep=0.4)
    with pytest.raises(pipeline.TranscodeFailed) as caught:
        pipeline.transcode_video(truncated, tmp_path)
    assert "damaged" in caught.value.reason


# --- Photos -------------------------------------------------------------------------------------


def jpeg_taken_sideways() -> bytes:
    """A 3000x2000 landscape frame whose EXIF says "turn 90° clockwise", as phones store portrait
    photos, plus a GPS position. Left half red, right half blue."""
    image = Image.new("RGB", (3000, 2000), (220, 30, 30))
    image.paste((30, 30, 220), (1500, 0, 3000, 2000))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to show
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0)}  # GPSInfo
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def test_a_photo_is_turned_upright_fitted_and_stripped_of_its_metadata(tmp_path):
    out = tmp_path / "photo.jpg"
    assert pipeline.resize_photo(jpeg_taken_sideways(), out) == (1080, 1620)

    with Image.open(out) as photo:
        assert (photo.format, photo.size) == ("JPEG", (1080, 1620))
        assert not photo.getexif()
        top, bottom = photo.getpixel((540, 100)), photo.getpixel((540, 1520))
    assert top[0] > 150 > top[2]  # the red left half is now on top
    assert bottom[2] > 150 > bottom[0]


def test_a_photo_can_be_written_as_webp_from_a_file(tmp_path):
    source = tmp_path / "small.png"
    Image.new("RGBA", (400, 300), (0, 0, 0, 0)).save(source)
    out = tmp_path / "photo.webp"
    assert pipeline.resize_photo(source, out) == (400, 300)  # never enlarged
    with Image.open(out) as photo:
        assert photo.format == "WEBP"
        assert photo.convert("RGB").getpixel((10, 10)) == (255, 255, 255)  # not black


def test_a_file_that_is_not_an_image_is_refused(tmp_path):
    with pytest.raises(InvalidInput) as caught:
        pipeline.resize_photo(b"%PDF-1.4 not a photo at all", tmp_path / "photo.jpg")
    assert (caught.value.code, caught.value.field) == ("not_an_image", "file")
    assert not (tmp_path / "photo.jpg").exists()


def test_a_cut_off_image_is_refused_as_damaged(tmp_path):
    buffer = io.BytesIO()
    Image.effect_noise((600, 600), 60).save(buffer, format="PNG")
    with pytest.raises(InvalidInput) as caught:
        pipeline.resize_photo(buffer.getvalue()[:5000], tmp_path / "photo.jpg")
    assert caught.value.code == "damaged_image"
