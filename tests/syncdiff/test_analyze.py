import json

from click.testing import CliRunner

from syncdiff_model.analyze import analyze_group


def test_latent_variance_command_prints_one_json_line(trained, synthetic_registered):
    args = ["latent-variance", "--checkpoint", str(trained), "--dataset", synthetic_registered, "--split", "test", "--limit", "1",
            "--probes", "2", "--samples", "4", "--steps", "2", "--device", "cpu"]
    res = CliRunner().invoke(analyze_group, args)
    assert res.exit_code == 0, res.output
    out = json.loads(res.output.strip().splitlines()[-1])
    assert out["reference"] == "rnd+prv-" and out["samples"] == 4
    # both priors exist in rnd+prv-, and swapping them moves the sample (random-ish weights)
    assert out["ident"] > 0 and out["pose"] > 0
