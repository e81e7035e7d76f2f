"""EMA of the UNet as LDM's LitEma: decay min(d, (1+n)/(10+n)) with n = number of updates."""

from __future__ import annotations

import torch


class UNetEMA:
    def __init__(self, decay: float = 0.9999, num_updates: int = 0) -> None:
        self.decay = decay
        self.num_updates = num_updates

    @torch.no_grad()
    def update(self, ema_model: torch.nn.Module, model: torch.nn.Module) -> float:
        self.num_updates += 1
        decay = min(self.decay, (1 + self.num_updates) / (10 + self.num_updates))
        ema_params = dict(ema_model.named_parameters())
        for name, p in model.named_parameters():
            e = ema_params[name]
            e.sub_((1.0 - decay) * (e - p.detach().to(e.dtype)))
        return decay
