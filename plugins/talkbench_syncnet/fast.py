"""An inference-only SyncNet that computes the reference network's numbers faster on CPU.

``FastSyncNet(net)`` is built from a loaded :class:`SyncNet` (official state-dict layout) and
exposes the same inference surface that scoring uses (``netcnnlip``, ``netfclip``,
``forward_lip``, ``forward_aud``, ``config``), so it drops in where the plain net was. What
changes is only how the same arithmetic is scheduled:

- eval batch norm is folded into the convolution / linear layer before it
  (w' = w·γ/√(σ²+ε), b' = (b−μ)·γ/√(σ²+ε)+β): one pass over each activation less;
- every lip layer after the first has a (1, k, k) kernel, so it is a 2-D convolution of the
  T·B frame images; they run as ``conv2d``/``max_pool2d`` in channels-last layout (what oneDNN
  is fastest at; contiguous NCDHW max-pooling is ~4× slower than channels-last 2-D);
- the first lip conv (5 frames × 7×7) over a clip's run of frames uses Winograd's minimal
  filtering in time (talkbench_syncnet.time_winograd: 8 frame convolutions per 4 windows
  instead of 20); for separate windows it is one 2-D convolution whose 15 input channels are
  the 3 colours of the 5 frames; its max-pool runs before the bias and ReLU (exactly equal,
  on 4× fewer values);
- weights are stored channels-last.

The float sums happen in a different order than in the reference, so outputs differ by float
rounding (embeddings ~1e-6, LSE ~1e-6; tests/syncnet/test_fast_net.py pins the bound).
``precision`` ``bf16``/``fp16`` is a declared fast mode (autocast), not the reference numbers:
on the calibration clip KatieHill A it moved LSE-D by −0.0124 (bf16) / −0.0025 (fp16), LSE-C
by < 1e-4; on CPUs without native bf16/fp16 it is ~7× slower than fp32 and is refused.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from talkbench_syncnet.model import FRAMES_PER_WINDOW, SyncNet
from talkbench_syncnet.time_winograd import TimeWinogradConv

PRECISIONS = ("fp32", "bf16", "fp16")
_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


def _native_cpu(precision: str) -> bool:
    if precision == "bf16":
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    return bool(torch.ops.mkldnn._is_mkldnn_fp16_supported())


def check_precision(precision: str, device: str) -> None:
    """A fast mode must be faster: on a CPU without native bf16/fp16 (oneDNN's check) autocast
    runs ~7× slower than fp32 (measured on this project's AVX2 machine), so it is refused."""
    from talkbench import OptionError

    if precision not in PRECISIONS:
        raise OptionError(f"SyncNet precision {precision!r}: use one of {', '.join(PRECISIONS)}")
    if precision == "fp32" or not str(device).startswith("cpu"):
        return
    if not _native_cpu(precision):
        raise OptionError(f"precision={precision} is slower than fp32 on this CPU (no native {precision}); "
                          "use precision=fp32 here, or --device cuda")


def _autocast(precision: str, device_type: str):
    """fp32: autocast off (also inside a caller's autocast); bf16/fp16: autocast to that type."""
    if precision == "fp32":
        return torch.autocast(device_type, enabled=False)
    return torch.autocast(device_type, dtype=_DTYPES[precision])


def _fold(weight: torch.Tensor, bias: torch.Tensor | None, bn: nn.modules.batchnorm._BatchNorm):
    """(w', b') of ``bn(layer(x))`` folded into one layer (eval statistics)."""
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    shape = (-1,) + (1,) * (weight.dim() - 1)
    w = weight * scale.reshape(shape)
    b = bn.bias - bn.running_mean * scale
    if bias is not None:
        b = b + bias * scale
    return w.detach().clone(), b.detach().clone()


class _Conv(nn.Module):
    """conv2d(+folded BN)(+ReLU) with channels-last weights."""

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor, stride=1, padding=0, relu=True):
        super().__init__()
        self.weight = nn.Parameter(weight.contiguous(memory_format=torch.channels_last), requires_grad=False)
        self.bias = nn.Parameter(bias, requires_grad=False)
        self.stride, self.padding, self.relu = stride, padding, relu

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.conv2d(x, self.weight, self.bias, self.stride, self.padding)
        return F.relu_(y) if self.relu else y


class _WholeConv(nn.Module):
    """A conv whose kernel covers its whole (unpadded) input is a linear layer on the flattened
    channels-last input; oneDNN runs that ~10× faster than the 1×1-output convolution."""

    def __init__(self, conv: _Conv) -> None:
        super().__init__()
        o, i, kh, kw = conv.weight.shape
        assert conv.padding in (0, (0, 0)), "padded conv is not a linear layer"
        self.kernel, self.relu = (kh, kw), conv.relu
        # flatten order (y, x, channel) = the memory order of a channels-last input
        self.weight = nn.Parameter(conv.weight.detach().permute(0, 2, 3, 1).reshape(o, kh * kw * i).contiguous(),
                                   requires_grad=False)
        self.bias = nn.Parameter(conv.bias.detach().clone(), requires_grad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if tuple(x.shape[2:]) != self.kernel:
            raise ValueError(f"SyncNet: final conv expects {self.kernel} inputs, got {tuple(x.shape[2:])}")
        y = F.linear(x.permute(0, 2, 3, 1).reshape(x.shape[0], -1), self.weight, self.bias)
        y = F.relu_(y) if self.relu else y
        return y[:, :, None, None]


class _Pool(nn.Module):
    def __init__(self, kernel, stride, padding=0):
        super().__init__()
        self.kernel, self.stride, self.padding = kernel, stride, padding

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.max_pool2d(x, self.kernel, self.stride, self.padding)


def _conv2d_of(seq: nn.Sequential, conv_i: int, bn_i: int, relu: bool = True, squeeze_time: bool = False) -> _Conv:
    conv = seq[conv_i]
    w, b = _fold(conv.weight, conv.bias, seq[bn_i])
    stride, padding = conv.stride, conv.padding
    if squeeze_time:  # (O, I, 1, k, k) → (O, I, k, k); time stride/padding are 1/0 in SyncNet
        assert w.shape[2] == 1 and stride[0] == 1 and padding[0] == 0, "not a (1,k,k) conv"
        w, stride, padding = w[:, :, 0], stride[1:], padding[1:]
    return _Conv(w, b, stride, padding, relu)


def _pool2d_of(pool: nn.Module, squeeze_time: bool = False) -> _Pool:
    def spatial(v):
        if isinstance(v, int):
            return v
        assert not squeeze_time or v[0] in (0, 1), "pool mixes frames"
        return tuple(v[1:]) if squeeze_time else tuple(v)

    k = pool.kernel_size
    assert not squeeze_time or isinstance(k, int) or k[0] == 1, "pool mixes frames"
    return _Pool(spatial(k), spatial(pool.stride), spatial(pool.padding))


class FastLipTower(nn.Module):
    """``netcnnlip``: (N, 3, T, H, W) frames → (N, C, T−4, 1, 1), one output per 5-frame window."""

    precision = "fp32"
    #: the first conv over runs of frames by Winograd in time (talkbench_syncnet.time_winograd):
    #: 8 frame convolutions per 4 windows instead of 20, on CPU in fp32; False (and on other
    #: devices and precisions) = one 15-channel conv per window
    time_winograd = True

    def __init__(self, seq: nn.Sequential) -> None:
        super().__init__()
        first = seq[0]
        w, b = _fold(first.weight, first.bias, seq[1])          # (O, 3, 5, 7, 7)
        o, c, t, kh, kw = w.shape
        assert t == FRAMES_PER_WINDOW and first.stride[0] == 1 and first.padding[0] == 0
        assert first.padding[1:] in ((0, 0), 0), "the time-Winograd first conv assumes no spatial padding"
        # input channel index = colour·5 + frame-in-window, matching the strided view below
        self.first = _Conv(w.reshape(o, c * t, kh, kw), b, first.stride[1:], first.padding[1:])
        self.first_time = TimeWinogradConv(w, first.stride[1:])
        self.first_bias = nn.Parameter(b.detach().clone().reshape(1, -1, 1, 1), requires_grad=False)
        self.pool1 = _pool2d_of(seq[3], True)
        self.rest = nn.Sequential(
            _conv2d_of(seq, 4, 5, squeeze_time=True), _pool2d_of(seq[7], True),
            _conv2d_of(seq, 8, 9, squeeze_time=True),
            _conv2d_of(seq, 11, 12, squeeze_time=True),
            _conv2d_of(seq, 14, 15, squeeze_time=True), _pool2d_of(seq[17], True),
            _WholeConv(_conv2d_of(seq, 18, 19, squeeze_time=True)),
        )

    def _apply(self, fn, *args, **kwargs):  # .to(device) moves the Winograd kernels too
        out = super()._apply(fn, *args, **kwargs)
        self.first_time.to(self.first_bias.device)
        return out

    def _stem(self, x: torch.Tensor) -> torch.Tensor:
        """first conv (+ folded BN) → ReLU → max-pool, given the conv without its bias: the pool
        goes first (4× fewer values to add the bias to and rectify); max commutes with adding
        a per-channel constant and with ReLU, so this equals pool(relu(conv + b)) exactly."""
        return F.relu_(self.pool1(x).add_(self.first_bias))

    @staticmethod
    def windows(frames: torch.Tensor) -> torch.Tensor:
        """(T, H, W, 3) frames → (T−4, 15, H, W) channels-last windows (one copy, no 5× stack)."""
        t, h, w, c = frames.shape
        n = t - FRAMES_PER_WINDOW + 1
        frames = frames.contiguous()
        st = frames.stride()
        # view (n, H, W, C, 5): element [i, y, x, ch, d] = frames[i + d, y, x, ch]
        view = frames.as_strided((n, h, w, c, FRAMES_PER_WINDOW), (st[0], st[1], st[2], st[3], st[0]))
        return view.reshape(n, h, w, c * FRAMES_PER_WINDOW).permute(0, 3, 1, 2)

    #: windows per convolution call. Small batches keep the first conv's output (~4.5 MB a
    #: window at 224²) in the last-level cache: 5 windows a call measured ~15% faster than 20 on
    #: an AVX2 machine; with the time-Winograd first conv one tile of 4 windows is fastest
    #: (AVX-512 machine: 16.4 ms a window vs 18.5 for 2 tiles, 18.7 for the direct conv at 5).
    micro_batch = 4

    def embed_frames(self, frames: torch.Tensor) -> torch.Tensor:
        """(T, H, W, 3) float frames → (T−4, C) conv features of every window."""
        frames = frames.contiguous()
        n, k = frames.shape[0] - FRAMES_PER_WINDOW + 1, self.micro_batch
        outs = []
        for s in range(0, n, k):
            run = frames[s: min(n, s + k) + FRAMES_PER_WINDOW - 1]
            # CPU fp32 only: in bf16/fp16 the frame mixes would round coarsely, and on a GPU the
            # strip-by-strip products are many small launches where cuDNN's one conv is better
            if self.time_winograd and self.precision == "fp32" and run.device.type == "cpu":
                y = self._stem(self.first_time(run))
            else:
                y = self._stem(F.conv2d(self.windows(run), self.first.weight, None, self.first.stride))
            y = self.rest(y)
            outs.append(y.reshape(y.shape[0], -1))
        return outs[0] if len(outs) == 1 else torch.cat(outs, 0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        with _autocast(self.precision, x.device.type):
            outs = [self.embed_frames(clip.permute(1, 2, 3, 0)) for clip in x]  # (3,T,H,W) → (T,H,W,3)
        return torch.stack(outs, 0).float().transpose(1, 2)[..., None, None]

    def forward_windows(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 3, 5, H, W) separate windows → (N, C): colour·5+frame is a plain reshape."""
        n, c, t, h, w = x.shape
        with _autocast(self.precision, x.device.type):
            x = x.reshape(n, c * t, h, w).contiguous(memory_format=torch.channels_last)
            y = self.rest(self._stem(F.conv2d(x, self.first.weight, None, self.first.stride)))
        return y.reshape(n, -1).float()


class FastAudioTower(nn.Module):
    """``netcnnaud`` with folded BN, channels-last; MaxPool2d(1, 1) (index 3) is the identity."""

    def __init__(self, seq: nn.Sequential) -> None:
        super().__init__()
        assert seq[3].kernel_size in (1, (1, 1)) and seq[3].stride in (1, (1, 1))
        self.body = nn.Sequential(
            _conv2d_of(seq, 0, 1), _conv2d_of(seq, 4, 5), _pool2d_of(seq[7]),
            _conv2d_of(seq, 8, 9), _conv2d_of(seq, 11, 12), _conv2d_of(seq, 14, 15), _pool2d_of(seq[17]),
            _WholeConv(_conv2d_of(seq, 18, 19)),
        )

    precision = "fp32"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        with _autocast(self.precision, x.device.type):
            return self.body(x.contiguous(memory_format=torch.channels_last)).float()


class FastFC(nn.Module):
    """Linear → BN1d → ReLU → Linear with the BN folded into the first linear layer."""

    def __init__(self, seq: nn.Sequential) -> None:
        super().__init__()
        w, b = _fold(seq[0].weight, seq[0].bias, seq[1])
        self.fc1 = nn.Linear(w.shape[1], w.shape[0])
        self.fc2 = nn.Linear(seq[3].in_features, seq[3].out_features)
        with torch.no_grad():
            self.fc1.weight.copy_(w), self.fc1.bias.copy_(b)
            self.fc2.weight.copy_(seq[3].weight), self.fc2.bias.copy_(seq[3].bias)
        self.requires_grad_(False)

    precision = "fp32"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        with _autocast(self.precision, x.device.type):
            return self.fc2(F.relu(self.fc1(x))).float()


class FastSyncNet(nn.Module):
    """Inference twin of a :class:`SyncNet` (see the module docstring). Not trainable."""

    def __init__(self, net: SyncNet, precision: str = "fp32") -> None:
        super().__init__()
        if precision not in PRECISIONS:
            raise ValueError(f"SyncNet precision {precision!r}: use one of {', '.join(PRECISIONS)}")
        self.config = net.config
        self.precision = precision
        device = next(net.parameters()).device
        net = net.eval()
        with torch.no_grad():
            self.netcnnlip = FastLipTower(net.netcnnlip)
            self.netcnnaud = FastAudioTower(net.netcnnaud)
            self.netfclip = FastFC(net.netfclip)
            self.netfcaud = FastFC(net.netfcaud)
        for m in (self.netcnnlip, self.netcnnaud, self.netfclip, self.netfcaud):
            m.precision = precision
        self.eval().requires_grad_(False).to(device)

    def __call__(self, *args, **kwargs):
        raise TypeError("FastSyncNet has no forward: call forward_lip or forward_aud")

    def forward_aud(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 1, 13, 20) MFCC windows → (N, D), like SyncNet.forward_aud."""
        mid = self.netcnnaud(x)
        return self.netfcaud(mid.reshape(mid.shape[0], -1))

    def forward_lip(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 3, 5, H, W) windows → (N, D), like SyncNet.forward_lip."""
        return self.netfclip(self.netcnnlip.forward_windows(x))
