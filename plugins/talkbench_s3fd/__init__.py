"""S3FD face detection exactly as the reference evaluations run it (entry point ``s3fd``).

A pure-PyTorch S3FD (net.py) that loads syncnet_python's ``sfd_face.pth`` and face-alignment's
``s3fd-619a316812.pth`` (either key layout, either architecture), with each reference's
pre-processing, scales, thresholds and NMS (protocols.py, decode.py), offered to talkbench as
the face backends ``s3fd-syncnet``, ``s3fd-fa`` and ``s3fd-talklip`` (backend.py). Heavy
imports (torch, cv2) happen when a hook runs, not when the plugin is listed.
"""

from talkbench import hookimpl


@hookimpl
def register_face_backends(register):
    from talkbench_s3fd.backend import BACKENDS

    for cls in BACKENDS:
        register(cls)


@hookimpl
def register_weights(register):
    # face-alignment's file is the core's ``face_alignment_s3fd``; only syncnet_python's is new
    from talkbench_s3fd.weights import SYNCNET_SPEC

    register(SYNCNET_SPEC)
