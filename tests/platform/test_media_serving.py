"""Uploaded media served from MEDIA_ROOT with byte ranges, as video players ask for it."""

from __future__ import annotations

import pytest

CONTENT = bytes(range(256)) * 4  # 1024 bytes, each position recognisable


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    clip = settings.MEDIA_ROOT / "posts" / "7" / "clip.mp4"
    clip.parent.mkdir(parents=True)
    clip.write_bytes(CONTENT)
    (tmp_path / "secret.txt").write_text("outside the media folder")
    return settings.MEDIA_ROOT


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_whole_file_is_sent_with_its_type_and_an_offer_of_ranges(client, media):
    response = client.get("/media/posts/7/clip.mp4")

    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Type"] == "video/mp4"
    assert response["Content-Length"] == "1024"
    assert response["ETag"] and response["Last-Modified"]
    assert body(response) == CONTENT


def test_the_first_hundred_bytes_are_sent_as_a_partial_answer(client, media):
    response = client.get("/media/posts/7/clip.mp4", headers={"Range": "bytes=0-99"})

    assert response.status_code == 206
    assert response["Content-Range"] == "bytes 0-99/1024"
    assert response["Content-Length"] == "100"
    assert response["Content-Type"] == "video/mp4"
    assert body(response) == CONTENT[:100]


def test_an_open_ended_range_runs_to_the_end(client, media):
    response = client.get("/media/posts/7/clip.mp4", headers={"Range": "bytes=1000-"})
    assert response["Content-Range"] == "bytes 1000-1023/1024"
    assert body(response) == CONTENT[1000:]


def test_a_suffix_range_sends_the_last_bytes(client, media):
    response = client.get("/media/posts/7/clip.mp4", headers={"Range": "bytes=-100"})

    assert response.status_code == 206
    assert response["Content-Range"] == "bytes 924-1023/1024"
    assert body(response) == CONTENT[-100:]


def test_a_range_past_the_end_is_not_satisfiable(client, media):
    response = client.get("/media/posts/7/clip.mp4", headers={"Range": "bytes=1024-2000"})

    assert response.status_code == 416
    assert response["Content-Range"] == "bytes */1024"


@pytest.mark.parametrize("header", ["bytes=0-1,5-9", "lines=1-2", "bytes=9-2"])
def test_a_range_that_cannot_be_served_as_one_part_gets_the_whole_file(client, media, header):
    response = client.get("/media/posts/7/clip.mp4", headers={"Range": header})
    assert response.status_code == 200
    assert body(response) == CONTENT


def test_a_range_of_a_file_that_changed_since_gets_the_whole_new_file(client, media):
    headers = {"Range": "bytes=0-99", "If-Range": '"an-older-version"'}
    assert client.get("/media/posts/7/clip.mp4", headers=headers).status_code == 200


def test_an_unchanged_file_is_not_sent_again(client, media):
    etag = client.get("/media/posts/7/clip.mp4")["ETag"]
    response = client.get("/media/posts/7/clip.mp4", headers={"If-None-Match": etag})
    assert response.status_code == 304


@pytest.mark.parametrize(
    "path", ["../secret.txt", "%2e%2e/secret.txt", "posts/../../secret.txt", "/etc/passwd"]
)
def test_nothing_outside_the_media_folder_is_served(client, media, path):
    assert client.get(f"/media/{path}").status_code == 404


def test_a_missing_file_or_a_folder_is_not_found(client, media):
    assert client.get("/media/posts/7/other.mp4").status_code == 404
    assert client.get("/media/posts/7/").status_code == 404


def test_an_uploaded_html_file_is_a_download_never_a_page(client, media):
    (media / "posts" / "7" / "page.html").write_text("<script>alert(1)</script>")
    response = client.get("/media/posts/7/page.html")
    assert response["Content-Disposition"].startswith("attachment")


def test_media_is_read_only(client, media):
    assert client.post("/media/posts/7/clip.mp4").status_code == 405
