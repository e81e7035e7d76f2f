import numpy as np

from syncdiff_model.faces import square_boxes


def test_crop_does_not_follow_the_jaw():
    """Only the chin moves (the mouth opens and closes): the crop square must stay put, or the
    masked upper half would show the opening."""
    t = np.arange(40)
    boxes = np.stack([np.full(40, 30.0), np.full(40, 20.0), np.full(40, 90.0),
                      100 + 8 * (np.sin(t) > 0.5)], axis=1)  # the jaw drops by 8 px in a third of the frames
    sq = square_boxes(boxes, 128, 128)
    assert (sq == sq[0]).all()
    assert sq[0].tolist() == [20, 20, 100, 100]  # median side 80 hanging from the box top


def test_crop_follows_head_motion_smoothly_and_stays_inside():
    t = np.arange(30, dtype=float)
    boxes = np.stack([20 + t, 10 + 0 * t, 60 + t, 50 + 0 * t], axis=1)  # head slides right
    sq = square_boxes(boxes, 64, 80)
    assert (np.diff(sq[:, 0]) >= 0).all() and sq[-1, 0] == 80 - 40  # clamped at the border
    assert ((sq[:, 2] - sq[:, 0]) == 40).all() and ((sq[:, 3] - sq[:, 1]) == 40).all()
    # interior frames: the moving average of a linear track is the track itself
    assert sq[5, 0] == 20 + 5
