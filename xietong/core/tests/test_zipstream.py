"""Archive packs are streamed: a pack holding 24 MB of attachments reaches the client as a valid zip,
produced piece by piece, with no piece larger than what a megabyte of input compresses to."""

from __future__ import annotations

import io
import os
import zipfile

from xietong.core.zipstream import CHUNK, text_member, zip_stream


def test_a_large_pack_is_sent_in_pieces_and_unpacks_to_what_went_in():
    big = os.urandom(24 * CHUNK)  # incompressible: the worst case for the size of each piece
    pieces = list(
        zip_stream(
            [
                text_member("需求协作-智能手表项目-2026-05-20/表单.txt", "主题：续航优化\n优先级：高"),
                ("需求协作-智能手表项目-2026-05-20/附件/实测数据.bin", lambda: io.BytesIO(big)),
            ]
        )
    )
    assert len(pieces) >= 24
    assert max(len(p) for p in pieces) < 2 * CHUNK
    with zipfile.ZipFile(io.BytesIO(b"".join(pieces))) as pack:
        assert pack.testzip() is None
        assert pack.read("需求协作-智能手表项目-2026-05-20/附件/实测数据.bin") == big
        assert pack.read("需求协作-智能手表项目-2026-05-20/表单.txt").decode() == "主题：续航优化\n优先级：高"
