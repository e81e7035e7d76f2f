"""Peer SyncNet protocols, each reproducing one repository's sync-evaluation script:

- ``latentsync``: LatentSync's eval/eval_sync_conf.py (mp4 conversion, tracks > 50 frames,
  mp4v + AAC crop round trip, mean over tracks);
- ``mocha``: MoChaBench's SyncNetPipeline (a separate, already-denoised speech file, tracks
  > 50 frames, best conf / min distance over tracks);
- ``syncnet-demo``: syncnet_python's demo_syncnet.py on a pre-cropped 224² video.

They are parameter sets of the wild pipeline's stages (tracks, crop geometry, ffmpeg steps)
plus what each peer does differently; every difference is listed in the module docstrings and
in tests/fixtures/peer_sync_inputs/PROTOCOL.md. Chosen with ``lse_c.protocol=<name>``.
"""

from __future__ import annotations

PEER_PROTOCOLS = ("latentsync", "mocha", "syncnet-demo")

__all__ = ["PEER_PROTOCOLS"]
