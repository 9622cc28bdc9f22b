"""The composed 1024x600 frame as yuv420p planes, for the video encoders, without going through RGB.

Chromium's JPEG is decoded straight to YUV (FFmpeg's decoder) and its planes are stacked under the
bar's, which are converted once per bar. The bar is 155 rows, an odd number, so the chroma row
shared by the bar's last row and the page's first takes the bar's colour, and the page's chroma
sits one pixel higher than its light: invisible at this size, and far cheaper than converting a
whole RGB frame each time (a few milliseconds a frame).
"""
from __future__ import annotations

import threading

import av
from av.video.reformatter import ColorRange, VideoReformatter
from PIL import Image

from openwebrun.browser.stream_bar import BAR, HEIGHT, PAGE_HEIGHT, WIDTH

Planes = tuple[bytes, bytes, bytes]  # Y, U, V rows, without padding
FORMAT = "yuv420p"  # limited range, what the encoders and the viewers expect
BAR_CHROMA = (BAR + 1) // 2  # chroma rows taken from the bar
PAGE_CHROMA = HEIGHT // 2 - BAR_CHROMA  # chroma rows taken from the page


def _rows(plane: av.video.plane.VideoPlane, count: int) -> bytes:
    """The first `count` rows of `plane`, without the padding at the end of each row."""
    data = memoryview(plane)  # type: ignore[arg-type]
    if plane.line_size == plane.width:
        return bytes(data[:count * plane.width])
    return b"".join(data[row * plane.line_size:row * plane.line_size + plane.width] for row in range(count))


def bar_planes(bar: Image.Image) -> Planes:
    """The bar (WIDTH x BAR, RGB) as the top rows of a yuv420p frame."""
    even = Image.new("RGB", (WIDTH, BAR + BAR % 2))
    even.paste(bar, (0, 0))
    if BAR % 2:
        even.paste(bar.crop((0, BAR - 1, WIDTH, BAR)), (0, BAR))
    frame = av.VideoFrame.from_image(even).reformat(format=FORMAT)
    return _rows(frame.planes[0], BAR), _rows(frame.planes[1], BAR_CHROMA), _rows(frame.planes[2], BAR_CHROMA)


class PageDecoder:
    """Chromium's JPEG frames to the page rows of a yuv420p frame (scaled to WIDTH x PAGE_HEIGHT if
    they are not that size). One decoder, used by one thread at a time."""

    def __init__(self) -> None:
        self._codec = av.CodecContext.create("mjpeg", "r")
        self._reformatter = VideoReformatter()
        self._lock = threading.Lock()

    def planes(self, jpeg: bytes) -> Planes:
        with self._lock:
            decoded = self._codec.decode(av.Packet(jpeg))
            if not decoded:
                raise ValueError("the JPEG frame could not be decoded")
            page = self._reformatter.reformat(decoded[0], WIDTH, PAGE_HEIGHT, FORMAT, threads=1,
                                              src_color_range=ColorRange.JPEG, dst_color_range=ColorRange.MPEG)
        return (_rows(page.planes[0], PAGE_HEIGHT), _rows(page.planes[1], PAGE_CHROMA),
                _rows(page.planes[2], PAGE_CHROMA))


def compose(bar: Planes, page: Planes) -> Planes:
    return bar[0] + page[0], bar[1] + page[1], bar[2] + page[2]


def video_frame(planes: Planes) -> av.VideoFrame:
    """A new WIDTH x HEIGHT yuv420p frame holding `planes` (each encoder gets its own)."""
    frame = av.VideoFrame(WIDTH, HEIGHT, FORMAT)
    for plane, data in zip(frame.planes, planes, strict=True):
        if plane.line_size == plane.width:
            plane.update(data)
        else:
            padding = bytes(plane.line_size - plane.width)
            plane.update(b"".join(data[row * plane.width:(row + 1) * plane.width] + padding
                                  for row in range(len(data) // plane.width)))
    return frame
