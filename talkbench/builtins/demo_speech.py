"""Syllable-like synthetic speech for the demo dataset, with its articulation track.

Each syllable is a consonant (plosive burst, fricative hiss, nasal or liquid hum) followed by a
formant-filtered glottal vowel. Alongside the waveform we build, sample by sample, the mouth
opening and width that produced it: opening follows loudness (open vowels are synthesised
louder, as real open vowels are intrinsically louder), width follows the vowel quality
(spread /i/ wide, rounded /u/ narrow). That coupling is what makes lip sync learnable.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import lfilter

SR = 16000
# vowel -> (F1, F2, F3 Hz, opening 0..1, width 0..1)
VOWELS = {
    "a": (800, 1250, 2600, 1.00, 0.70),
    "e": (500, 1900, 2600, 0.62, 0.85),
    "i": (300, 2300, 3000, 0.38, 1.00),
    "o": (520, 900, 2500, 0.72, 0.35),
    "u": (320, 800, 2400, 0.42, 0.15),
}
# consonant -> (kind, duration s, opening, width)
CONSONANTS = {
    "b": ("plosive", 0.060, 0.18, 0.5), "d": ("plosive", 0.060, 0.22, 0.55),
    "g": ("plosive", 0.065, 0.24, 0.5), "p": ("plosive", 0.070, 0.20, 0.5),
    "t": ("plosive", 0.065, 0.22, 0.55), "k": ("plosive", 0.070, 0.24, 0.5),
    "s": ("fricative", 0.090, 0.16, 0.8), "m": ("nasal", 0.075, 0.04, 0.5),
    "n": ("nasal", 0.070, 0.12, 0.55), "l": ("liquid", 0.065, 0.28, 0.6),
}
LEVEL = 0.25  # RMS of a fully open vowel; everything scales with opening from this


@dataclass
class Syllable:
    text: str
    word: int
    start: float  # seconds
    end: float


def _resonator(x: np.ndarray, freq: float, bw: float) -> np.ndarray:
    r = np.exp(-np.pi * bw / SR)
    theta = 2 * np.pi * freq / SR
    return lfilter([1 - r], [1, -2 * r * np.cos(theta), r * r], x)


def _ramp(n: int, attack: int, release: int) -> np.ndarray:
    env = np.ones(n)
    a, r = min(attack, n // 2), min(release, n // 2)
    if a:
        env[:a] = np.linspace(0, 1, a, endpoint=False)
    if r:
        env[n - r :] = np.linspace(1, 0, r)
    return env


def _unit_rms(x: np.ndarray) -> np.ndarray:
    return x / (np.sqrt(np.mean(x * x)) + 1e-12)


def _glottal(n: int, f0: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Rosenberg-like pulse train (differentiated for lip radiation) plus a little breath."""
    phase = np.cumsum(f0 / SR) % 1.0
    open_q = 0.45
    pulse = np.where(phase < open_q, np.sin(np.pi * phase / open_q) ** 2, 0.0)
    return np.diff(pulse, prepend=0.0) + 0.02 * rng.standard_normal(n)


def _voiced(n: int, formants, f0: np.ndarray, rng) -> np.ndarray:
    x = _glottal(n, f0, rng)
    for freq, bw in zip(formants, (90, 110, 160)):
        x = _resonator(x, freq, bw)
    return _unit_rms(x)


def make_sentence(rng: np.random.Generator, n_words: int) -> list[list[str]]:
    """Words as lists of CV syllables, e.g. [["ba", "di"], ["ko"]]."""
    cons, vows = list(CONSONANTS), list(VOWELS)
    return [
        [cons[rng.integers(len(cons))] + vows[rng.integers(len(vows))] for _ in range(rng.integers(1, 4))]
        for _ in range(n_words)
    ]


def plan_timing(words: list[list[str]], seconds: float, rng) -> list[Syllable]:
    """Syllable times with pauses between words; words that do not fit are dropped."""
    t = float(rng.uniform(0.12, 0.3))
    out: list[Syllable] = []
    for wi, word in enumerate(words):
        durs = [CONSONANTS[s[0]][1] + float(rng.uniform(0.12, 0.22)) for s in word]
        if t + sum(durs) > seconds - 0.12:
            break
        for syl, d in zip(word, durs):
            out.append(Syllable(syl, wi, t, t + d))
            t += d
        t += float(rng.uniform(0.1, 0.3))
    return out


def synthesize(
    syllables: list[Syllable], seconds: float, f0_base: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(audio float32, opening per sample 0..1, width per sample 0..1) for a timed syllable list."""
    n = int(round(seconds * SR))
    audio = np.zeros(n)
    opening = np.zeros(n)
    width = np.full(n, 0.5)
    t = np.arange(n) / SR
    # slow intonation with declination: a voice, not a buzzer
    f0 = f0_base * (1.0 + 0.06 * np.sin(2 * np.pi * 0.7 * t + rng.uniform(0, 6.28)) - 0.05 * t / seconds)
    for syl in syllables:
        kind, c_dur, c_open, c_width = CONSONANTS[syl.text[0]]
        F1, F2, F3, v_open, v_width = VOWELS[syl.text[1]]
        s0 = int(round(syl.start * SR))
        sc = s0 + int(round(c_dur * SR))
        s1 = min(int(round(syl.end * SR)), n)
        # consonant
        nc = sc - s0
        if kind == "plosive":  # closure (silent, lips together), then a short burst
            burst = int(0.022 * SR)
            seg = np.zeros(nc)
            noise = _resonator(rng.standard_normal(burst), 1500 + 1500 * (syl.text[0] in "tdk"), 1200)
            seg[nc - burst :] = _unit_rms(noise) * _ramp(burst, 8, burst // 2)
            shape = np.zeros(nc)
            shape[nc - burst :] = _ramp(burst, 8, burst // 2)
        elif kind == "fricative":
            hiss = np.diff(rng.standard_normal(nc + 1))  # high-passed noise
            shape = _ramp(nc, 160, 160)
            seg = _unit_rms(_resonator(hiss, 5000, 2000)) * shape
        else:  # nasal / liquid: low voiced murmur
            formants = (250, 1000, 2300) if kind == "nasal" else (360, 1300, 2600)
            shape = _ramp(nc, 120, 60)
            seg = _voiced(nc, formants, f0[s0:sc], rng) * shape
        audio[s0:sc] += LEVEL * c_open * seg
        opening[s0:sc] = np.maximum(opening[s0:sc], c_open * shape)
        width[s0:sc] = c_width
        # vowel: loudness ∝ opening, so the mouth follows the envelope
        nv = s1 - sc
        if nv <= 0:
            continue
        shape = _ramp(nv, int(0.025 * SR), int(0.04 * SR))
        audio[sc:s1] += LEVEL * v_open * _voiced(nv, (F1, F2, F3), f0[sc:s1], rng) * shape
        opening[sc:s1] = v_open * shape
        width[sc:s1] = v_width
    audio += 1e-4 * rng.standard_normal(n)  # room noise floor
    return np.clip(audio, -1, 1).astype(np.float32), opening, width


def per_frame(signal: np.ndarray, n_frames: int, fps: float = 25.0, smooth: bool = True) -> np.ndarray:
    """Mean of a per-sample track over each video frame's interval (lips move smoothly)."""
    hop = SR / fps
    idx = (np.arange(n_frames + 1) * hop).round().astype(int)
    sums = np.add.reduceat(signal, idx[:-1]) if len(signal) else np.zeros(n_frames)
    out = sums[:n_frames] / np.diff(idx)
    if smooth and n_frames >= 3:
        out = np.convolve(np.pad(out, 1, mode="edge"), [0.25, 0.5, 0.25], mode="valid")
    return out.astype(np.float32)
