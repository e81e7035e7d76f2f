"""Registered AV-HuBERT weights (official fairseq checkpoints) and their tokenizer models.

Nothing is downloaded implicitly; ``talkbench weights`` lists these and ``--weights NAME=PATH``
points at a local copy. A seq2seq checkpoint ``NAME`` has its sentencepiece model under
``NAME-spm`` (the checkpoint's cfg names it by an absolute path on its author's disk).
"""

from __future__ import annotations

from talkbench import WeightSpec

_BASE = "https://dl.fbaipublicfiles.com/avhubert/model/lrs3_vox"
_LICENSE = "AV-HuBERT license (non-commercial), facebookresearch/av_hubert"

# The lip reader of the paper's WER column (TalkLip's evaluation): AV-HuBERT LARGE fine-tuned
# for visual speech recognition on LRS2. TalkLip distributes it with its own release, not at a
# stable public URL, so it must be supplied with --weights.
LIPREADER_LRS2 = "avhubert-large-vsr-lrs2"
LIPREADER_LRS3 = "avhubert-large-vsr-lrs3"

SPECS = (
    WeightSpec(LIPREADER_LRS2, "avhubert_large_vsr_lrs2.pt", (),
               description="AV-HuBERT LARGE fine-tuned on LRS2 for lip reading (TalkLip's "
                           "lip-reading expert; get it from the Sxjdwang/TalkLip release)",
               license=_LICENSE),
    WeightSpec(LIPREADER_LRS2 + "-spm", "avhubert_large_vsr_lrs2_spm.model", (),
               description="sentencepiece unigram model of the LRS2 lip reader's labels",
               license=_LICENSE),
    WeightSpec(LIPREADER_LRS3, "large_vox_433h.pt", (f"{_BASE}/vsr/large_vox_433h.pt",),
               description="AV-HuBERT LARGE (LRS3+VoxCeleb2 pretrain) fine-tuned on LRS3 433h, "
                           "visual speech recognition", license=_LICENSE),
    WeightSpec(LIPREADER_LRS3 + "-spm", "spm_unigram1000.model", (),
               description="sentencepiece unigram-1000 model of LRS3 labels (made by "
                           "avhubert/preparation/lrs3_manifest.py)", license=_LICENSE),
    WeightSpec("avhubert-base", "base_vox_iter5.pt", (f"{_BASE}/clean-pretrain/base_vox_iter5.pt",),
               description="AV-HuBERT BASE pretrained (LRS3+VoxCeleb2, iteration 5): audio "
                           "features for SyncDiff/TalkLip", license=_LICENSE),
    WeightSpec("avhubert-large", "large_vox_iter5.pt", (f"{_BASE}/clean-pretrain/large_vox_iter5.pt",),
               description="AV-HuBERT LARGE pretrained (LRS3+VoxCeleb2, iteration 5)",
               license=_LICENSE),
)
