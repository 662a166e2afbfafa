"""``python -m nengo_truenorth.convnet``: train, compile, run, save, evaluate."""

import numpy as np
import pytest

pytest.importorskip("tensorflow")
pytest.importorskip("mlxtend")

from nengo_truenorth.convnet.__main__ import main, parse_args  # noqa: E402


def test_quick_run_trains_compiles_runs_and_saves_then_evaluates(tmp_path, capsys):
    saved = tmp_path / "net"
    main(["--quick", "--save", str(saved)])
    out = capsys.readouterr().out
    last = out.strip().splitlines()[-1]
    assert last.startswith("on-chip accuracy: ") and " ± " in last
    assert (saved / "model.json").exists() and (saved / "ports.json").exists()
    import matplotlib.image

    picture = matplotlib.image.imread(saved / "core_map.png")
    assert picture.shape[0] > 100 and picture.std() > 0  # a drawn map, not blank

    from nengo_truenorth.convnet import data
    from nengo_truenorth.convnet.chip import load_network
    from nengo_truenorth.convnet.spec import encode_images, integer_forward, predict

    x, y = data.load_mnist()
    x, y = x[:50], y[:50]
    np.savez(tmp_path / "images.npz", x=x, y=y)
    main(["--evaluate", str(saved), "--images", str(tmp_path / "images.npz")])
    last = capsys.readouterr().out.strip().splitlines()[-1]
    net = load_network(saved)
    votes = integer_forward(net, encode_images(x, net.spec.thresholds))
    assert last == f"on-chip accuracy: {np.mean(predict(votes) == y):.3f}"


def test_bad_arguments_are_refused(tmp_path, capsys):
    with pytest.raises(SystemExit):
        parse_args(["--evaluate", str(tmp_path)])
    with pytest.raises(SystemExit):
        parse_args(["--seeds", "0"])
    capsys.readouterr()
    np.savez(tmp_path / "bad.npz", x=np.zeros((2, 28, 28)), y=np.zeros(2))
    assert main(["--evaluate", str(tmp_path), "--images", str(tmp_path / "bad.npz")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "uint8" in err
    good = tmp_path / "good.npz"
    np.savez(good, x=np.zeros((2, 28, 28), np.uint8), y=np.zeros(2, int))
    assert main(["--evaluate", str(tmp_path / "missing"), "--images", str(good)]) == 2
    assert capsys.readouterr().err.startswith("error: ")
