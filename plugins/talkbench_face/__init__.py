"""talkbench_face: face-based metrics: identity similarity (csim, csim_dlib), mouth
landmark distance (lmd), CPBD sharpness (cpbd).

Landmarks come from the core's face pipeline (``talkbench.faces``, dlib offline or FAN);
``csim`` runs insightface's ArcFace through onnxruntime (weights via ``--weights``),
``csim_dlib`` dlib's offline face descriptor shipped by face-recognition-models.
"""

from talkbench import hookimpl

from talkbench_face.weight_specs import SPECS


@hookimpl
def register_metrics(register):
    from talkbench_face.csim import CSIM, CSIMDlib

    register(CSIM)
    register(CSIMDlib)

    from talkbench_face.lmd import LMD

    register(LMD)

    from talkbench_face.cpbd_metric import CPBD

    register(CPBD)


@hookimpl
def register_weights(register):
    for spec in SPECS:
        register(spec)
