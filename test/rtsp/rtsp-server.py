#!/usr/bin/python3
"""A real RTSP server for the tests: GStreamer's gst-rtsp-server (Debian) serving H.264 files.

usage: rtsp-server.py PORT MOUNT=FILE [MOUNT=FILE...]
Each client gets its own pipeline reading the file from the start (stream copy, no re-encode),
as a camera's own RTSP server would send it. Prints "ready" on stdout when listening.
"""
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def main() -> None:
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(sys.argv[1])
    mounts = server.get_mount_points()
    for spec in sys.argv[2:]:
        mount, path = spec.split("=", 1)
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(
            f'( filesrc location="{path}" ! qtdemux ! h264parse config-interval=-1 ! rtph264pay name=pay0 pt=96 )'
        )
        factory.set_shared(False)
        mounts.add_factory(f"/{mount}", factory)
    if server.attach(None) == 0:
        sys.exit(f"rtsp-server: cannot listen on port {sys.argv[1]}")
    print("ready", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
