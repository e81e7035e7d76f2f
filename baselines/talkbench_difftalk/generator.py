"""The ``difftalk`` generator: DiffTalk's inference on talkbench clips.

Per frame, as DiffTalk's scripts/inference.py: the reference is the clip's first face crop,
the masked input zeroes rows from the nose tip down, the context is (audio, landmarks), and
DDIM (200 steps, eta 0, EMA weights) samples the latent while the region outside the mouth
polygon is re-blended with the noised source latent before every step; the result is decoded
with quantisation and pasted back into the frame.
"""

from __future__ import annotations

import numpy as np

from talkbench import ClipFailure, Generator, Option, OptionError
from talkbench_difftalk.audio_features import SOURCES, clip_windows
from talkbench_difftalk.loading import WEIGHT_NAME, load_model

# torch and the face preparation (cv2) load in generate(): importing the class, as
# `talkbench models` does, stays cheap.


class DiffTalkGenerator(Generator):
    name = "difftalk"
    version = "1"
    description = "DiffTalk (Shen et al., CVPR 2023): audio+landmark conditioned latent diffusion, per frame"
    weights = (WEIGHT_NAME,)
    options = (
        Option("steps", int, 200, "DDIM steps (DiffTalk's inference uses 200)", min=1),
        Option("reference", str, "first", "identity frame: the clip's first frame (DiffTalk) or the same frame",
               choices=("first", "same")),
        Option("inpaint", bool, True, "keep the source latent outside the mouth polygon (DiffTalk inference)"),
        Option("audio_features", str, "stand-in",
               "deepspeech = <video>.ds.npy (T×16×29); stand-in = 29 log-mel bands at 50 Hz", choices=SOURCES),
        Option("config", str, "", "DiffTalk yaml for a Lightning .ckpt (talkbench model dirs carry theirs)"),
        Option("ema", bool, True, "sample with the EMA UNet weights (DiffTalk's ema_scope)"),
        Option("batch_size", int, 8, "frames sampled at once", min=1),
        Option("face_backend", str, "auto", "talkbench.faces backend (auto/given/dlib/fan)"),
        Option("feather", float, 0.08, "paste-back seam softening (fraction of the box)", min=0.0),
        Option("paste", str, "crop", "paste the whole generated crop (DiffTalk's output) or only the "
               "region below the nose it inpaints", choices=("crop", "below_nose")),
    )

    def load(self, device: str = "cpu", checkpoint=None) -> None:
        super().load(device, checkpoint)
        self.model, self.provenance = load_model(checkpoint, self.options["config"])
        if self.options["ema"] and self.model.ema_unet is None:
            raise OptionError("difftalk: --option ema=true but the checkpoint has no EMA weights; "
                              "pass --option ema=false")
        self.model.to(device).eval()

    def generate(self, source, audio, *, seed=None):
        import torch

        with torch.no_grad():
            return self._generate(source, audio, seed)

    def _generate(self, source, audio, seed):
        import torch

        from talkbench.faces import lip_mask, paste_back
        from talkbench_difftalk.faces_prep import face_inputs, to_model_images, to_uint8
        from talkbench_difftalk.schedule import ddim_sample

        model, opts, dev = self.model, self.options, self.device
        cfg = model.config
        frames = source.frames
        n = len(frames)
        if n == 0:
            raise ClipFailure(f"clip {source.id}: no frames")
        faces = face_inputs(source, cfg.image_size, cfg.latent_size, opts["face_backend"])
        try:
            windows = clip_windows(source, audio, n, opts["audio_features"])
        except (FileNotFoundError, ValueError) as exc:
            raise ClipFailure(str(exc)) from exc
        gen = torch.Generator().manual_seed(int(seed or 0))
        out = np.empty_like(faces.crops)
        z_first = model.encode(to_model_images(faces.crops[:1]).to(dev))
        bs = opts["batch_size"]
        for start in range(0, n, bs):
            sl = slice(start, min(start + bs, n))
            b = sl.stop - sl.start
            target = to_model_images(faces.crops[sl]).to(dev)
            z_ref = z_first.expand(b, -1, -1, -1) if opts["reference"] == "first" else model.encode(target)
            z_masked = model.encode(to_model_images(faces.masked[sl]).to(dev))
            ctx = model.context(torch.from_numpy(windows[sl]).to(dev),
                                torch.from_numpy(faces.landmarks[sl]).to(dev))
            x_T = torch.randn((b, cfg.unet.out_channels, cfg.latent_size, cfg.latent_size), generator=gen).to(dev)
            kw = {}
            if opts["inpaint"]:
                kw = dict(mask=torch.from_numpy(faces.keep_mask[sl]).to(dev), x0=model.encode_target(target))
            latent, _ = ddim_sample(model, ctx, z_masked, z_ref, steps=opts["steps"], x_T=x_T,
                                    generator=gen, ema=opts["ema"], keep_trace=False, **kw)
            out[sl] = to_uint8(model.decode(latent, quantize=True))
        region = None
        if opts["paste"] == "below_nose":
            region = lip_mask(cfg.image_size, faces.landmarks68, mode="below_nose").astype(np.float32)
        pasted = paste_back(frames, out, faces.boxes, feather=opts["feather"], region=region)
        meta = dict(source.meta, difftalk={"audio_features": opts["audio_features"], "steps": opts["steps"],
                                           "weights": self.provenance.get("format")})
        return source.replace(frames=pasted, audio=audio, meta=meta)
