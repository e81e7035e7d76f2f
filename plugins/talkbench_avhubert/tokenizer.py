"""Sentencepiece labels as the reference: fairseq Dictionary indices <-> text.

Decoding follows infer_s2s: drop bos/eos/pad, join the dictionary symbols with spaces (unk as
``<unk>``), then fairseq's SentencepieceBPE.decode (remove spaces, ``▁`` -> space, strip).
References go through the same encode/decode round trip, so text the tokenizer cannot
represent counts as it would in the reference evaluation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from talkbench import WeightsMissingError

SPECIALS = ("<s>", "<pad>", "</s>", "<unk>")
WORD_START = "\u2581"


class Tokenizer:
    def __init__(self, spm_path: str | Path, symbols: Sequence[str] | None = None) -> None:
        import sentencepiece as spm

        path = Path(spm_path)
        if not path.is_file():
            raise WeightsMissingError(f"sentencepiece model {path} not found; pass "
                                      "--weights <lipreader>-spm=PATH to the .model file")
        self.path = path
        self.sp = spm.SentencePieceProcessor(model_file=str(path))
        if symbols is None:
            # dict.wrd.txt as the repo's preparation builds it: every non-special piece in id order
            symbols = list(SPECIALS) + [
                self.sp.id_to_piece(i) for i in range(self.sp.get_piece_size())
                if not (self.sp.is_control(i) or self.sp.is_unknown(i))
            ]
        self.symbols = list(symbols)
        self.index = {s: i for i, s in enumerate(self.symbols)}
        self.bos, self.pad, self.eos, self.unk = (self.index.get(s, i) for i, s in enumerate(SPECIALS))

    def __len__(self) -> int:
        return len(self.symbols)

    def encode(self, text: str, append_eos: bool = True) -> list[int]:
        pieces = self.sp.encode(text, out_type=str)
        ids = [self.index.get(p, self.unk) for p in pieces]
        return ids + [self.eos] if append_eos else ids

    def decode(self, ids: Sequence[int]) -> str:
        skip = {self.bos, self.eos, self.pad}
        words = " ".join("<unk>" if i == self.unk else self.symbols[i]
                         for i in (int(t) for t in ids) if i not in skip)
        return words.replace(" ", "").replace(WORD_START, " ").strip()

    def normalize(self, text: str) -> str:
        """The reference sentence as infer_s2s sees it: decode(encode(text))."""
        return self.decode(self.encode(text))
