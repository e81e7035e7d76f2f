"""Image-quality metrics for talkbench: psnr, ssim, lpips (entry point ``imagequality``)."""

from talkbench import hookimpl

from talkbench_imagequality.lpips_metric import BACKBONES, LPIPS
from talkbench_imagequality.psnr import PSNR, psnr_frames
from talkbench_imagequality.ssim import SSIM, ssim_frames

__all__ = ["PSNR", "SSIM", "LPIPS", "psnr_frames", "ssim_frames"]


@hookimpl
def register_metrics(register):
    for metric in (PSNR, SSIM, LPIPS):
        register(metric)


@hookimpl
def register_weights(register):
    for spec in BACKBONES.values():
        register(spec)
