"""WER's reference text: the same string TalkLip's evaluation scores against.

TalkLip (Sxjdwang/TalkLip @ 7ed53ee) ships ``datalist/test.wrd``: 1,243 lines, one per row of
``datalist/test_partial.tsv``, no script in the repository makes it; every line is lower case
a–z, digits 0–9, apostrophes and single spaces, i.e. the form of an LRS2 ``Text:`` line
lowercased (LRS2 transcripts are upper case). ``evaluation/eval_lrs.sh`` copies it next to the
tsv and runs AV-HuBERT's ``infer_s2s.py``, whose labels go through ``LabelEncoderS2SToken``:
``label.lower()`` → fairseq ``SentencepieceBPE.encode`` → ``Dictionary.encode_line`` (unknown
pieces → ``<unk>``), and the reference string is ``bpe.decode(Dictionary.string(...))``.

talkbench reads the clip's own LRS2 ``.txt`` (``read_transcript``: the ``Text:`` line, spaces
normalised), lowercases it and applies the same encode/decode round trip
(``Tokenizer.normalize``). The lines below are quoted from test.wrd; fairseq 0.12.3
(ve-fairseq, dev extra) is the oracle for the label encoder.
"""

from __future__ import annotations

import pytest

from talkbench.datasets.common import read_transcript

fairseq = pytest.importorskip("fairseq", reason="the fairseq oracle needs the dev extra ve-fairseq")
pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")

#: TalkLip datalist/test.wrd lines 1, 2, 36, 119, 614, 1176, 1211 (digits and apostrophes)
TEST_WRD = [
    "i am the ultimate power",
    "i'm with mark twain lies",
    "about 2 million",
    "which is only 10 minutes away",
    "because the whole point of 9 11 is that it's the justification for the police state",
    "it's all based on this 58 page report prepared for the european commission",
    "we've got 24 characters",
]
#: text a real lip-reading vocabulary may not cover: unseen letters, accents, curly apostrophe,
#: upper case (the reference lowercases every label), irregular spacing
HARD = ["zyzzyva qxj", "naïve café", "ÉCOLE The Quick", "  two   spaces ", "it’s curly", "ABOUT 2 MILLION"]


@pytest.mark.parametrize("line", TEST_WRD)
def test_lrs2_text_line_lowercased_is_the_test_wrd_line(line, tmp_path):
    """An LRS2 transcript (upper case, `Text:` then two spaces, then Conf and the word timings)
    read by talkbench and lowercased is exactly TalkLip's label line."""
    txt = tmp_path / "00001.txt"
    txt.write_text(f"Text:  {line.upper()}\nConf:  4\n\nWORD START END ASDSCORE\n", encoding="utf-8")
    assert read_transcript(txt).lower() == line


def _oracle(spm_path, dict_lines):
    """AV-HuBERT's LabelEncoderS2SToken and its decode, from fairseq's own classes."""
    from fairseq.data import Dictionary
    from fairseq.data.encoders.sentencepiece_bpe import SentencepieceBPE, SentencepieceConfig

    dictionary = Dictionary()
    for sym in dict_lines:
        dictionary.add_symbol(sym)
    bpe = SentencepieceBPE(SentencepieceConfig(sentencepiece_model=str(spm_path)))

    def encode(label):
        return dictionary.encode_line(bpe.encode(label.lower()), append_eos=True, add_if_not_exist=False).long()

    def decode(ids):
        return bpe.decode(dictionary.string(ids, extra_symbols_to_ignore={dictionary.eos(), dictionary.pad()}))

    return encode, decode


def _dict_lines(tok):
    return [s for s in tok.symbols if s not in ("<s>", "<pad>", "</s>", "<unk>")]


@pytest.fixture(scope="module")
def trained_spm(tmp_path_factory):
    """A unigram sentencepiece model trained on the quoted lines: digits and apostrophes are in
    its vocabulary (the in-vocabulary path the tiny calibration model lacks)."""
    import sentencepiece as spm

    prefix = tmp_path_factory.mktemp("spm") / "wrd"
    spm.SentencePieceTrainer.train(sentence_iterator=iter(TEST_WRD * 20), model_prefix=str(prefix),
                                   vocab_size=60, model_type="unigram", character_coverage=1.0,
                                   bos_id=0, pad_id=1, eos_id=2, unk_id=3, minloglevel=2)
    return prefix.with_suffix(".model")


def _check_against_oracle(spm_path, texts):
    from talkbench_avhubert.tokenizer import Tokenizer

    tok = Tokenizer(spm_path)
    encode, decode = _oracle(spm_path, _dict_lines(tok))
    for text in texts:
        ids = encode(text)
        assert tok.encode(text.lower()) == ids.tolist(), text
        assert tok.normalize(text.lower()) == decode(ids), text
    return tok, encode, decode


def test_trained_vocabulary_keeps_digits_and_apostrophes(trained_spm):
    tok, encode, decode = _check_against_oracle(trained_spm, TEST_WRD + HARD)
    for line in TEST_WRD:  # every character is in this vocabulary: the round trip is the identity
        assert tok.normalize(line) == line
    assert tok.normalize("we've got 24 characters") == "we've got 24 characters"
    # out of vocabulary: the reference and talkbench both score the same <unk> words
    assert tok.normalize("zyzzyva") == decode(encode("zyzzyva")) == "<unk>y<unk>yva"  # z and zz unseen
    assert tok.normalize("naïve café") == decode(encode("naïve café")) == "na<unk>ve caf<unk>"


def test_calibration_vocabulary_maps_digits_and_apostrophes_to_unk(avh_dir):
    """The fixture's tiny vocabulary has no digits, no apostrophe and no j: words with them become
    `<unk>`-pieces, identically in the reference and in talkbench."""
    tok, encode, decode = _check_against_oracle(avh_dir / "spm_tiny.model", TEST_WRD + HARD)
    assert tok.normalize("about 2 million") == "about <unk> million"
    assert tok.normalize("we've got 24 characters") == "we<unk>ve got <unk> characters"  # "24": one piece
    assert tok.normalize("ÉCOLE The Quick".lower()) == "<unk>cole the quick"
    assert tok.normalize("  two   spaces ") == "two spaces"


def test_hypothesis_decoding_matches_fairseq_string_and_bpe_decode(avh_dir):
    """Hypothesis ids (with unk, and bos/eos/pad that infer_s2s strips) decode as fairseq does."""
    from talkbench_avhubert.tokenizer import Tokenizer

    tok = Tokenizer(avh_dir / "spm_tiny.model")
    _, decode = _oracle(avh_dir / "spm_tiny.model", _dict_lines(tok))
    import torch

    for ids in ([0, 10, 3, 11, 2], [6, 4, 3, 3, 7, 2, 1, 1], [2], list(range(4, 40)) + [2]):
        assert tok.decode(ids) == decode(torch.tensor(ids)), ids
