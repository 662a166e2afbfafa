"""The file tree is the architecture: each layer imports only the layers below it.

Read from the source (every import, those inside functions too), so a shortcut
through the layers fails here before it confuses a reader. docs/architecture.md
draws the same rules.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
PACKAGE = ROOT / "nengo_truenorth"

#: What each part of nengo_truenorth may import of the package (besides itself).
ALLOWED = {
    "hardware": set(),
    "emulator": {"hardware"},
    "ir": {"hardware"},
    "options": {"hardware"},
    "neurons": {"hardware"},
    "synapses": set(),
    "config": set(),
    "passes": {"ir", "hardware", "options"},
    "compiler": {"ir", "hardware"},
    "runtime": {"ir", "hardware", "emulator"},
    "frontend": {
        "ir",
        "passes",
        "options",
        "hardware",
        "neurons",
        "synapses",
        "config",
    },
    "simulator": {
        "frontend",
        "passes",
        "compiler",
        "runtime",
        "emulator",
        "hardware",
        "files",
        "energy",
        "options",
        "ir",
        "neurons",
    },
    # NengoDL training behind the [dl] extra: the chip's neurons, its delay
    # synapses, weight codes and limits, per-object options (and nengo_sigmadelta's
    # quantizers, outside this package); nothing of the compiler, so training never
    # needs a build
    "training": {"neurons", "synapses", "config", "ir", "hardware", "options"},
    # question classification (Diehl et al. 2016): the TREC data, the Elman core's
    # integers and its ticks (NumPy), the core as a chip model on the emulators with
    # its energy and files, the core as Nengo objects (the chip's neuron, per-object
    # options), and its training in NengoDL with the training tools (ChipDense,
    # QuantizedActivity; the sister package's quantizers)
    "qc": {
        "hardware",
        "ir",
        "emulator",
        "energy",
        "files",
        "neurons",
        "config",
        "training",
    },
    # convnets (Esser et al. 2016): the spec and its exact integer forward pass
    # (NumPy), the Nengo network of binary chip neurons, frame-rate runs on the
    # Simulator, and their training (TensorFlow, the sister package's quantizers)
    "convnet": {
        "neurons",
        "hardware",
        "config",
        "simulator",
        "emulator",
        "energy",
        "plots",
        "files",
    },
}
#: What each part may import of Nengo (None: anything).
NENGO_ALLOWED = {
    "hardware": set(),
    "emulator": set(),
    "ir": set(),
    "compiler": {"nengo.exceptions"},
    "passes": {"nengo.exceptions"},
}


def imports_of(path, package):
    """Every absolute module name ``path`` imports (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join(parts + ([base] if base else []))
            found += [base] + [f"{base}.{alias.name}" for alias in node.names]
    return found


def modules_of(part):
    path = PACKAGE / part
    files = sorted(path.rglob("*.py")) if path.is_dir() else [path.with_suffix(".py")]
    for file in files:
        relative = file.relative_to(ROOT).with_suffix("")
        package = ".".join(relative.parts[:-1])
        yield file, package


@pytest.mark.parametrize("part", sorted(ALLOWED))
def test_each_layer_imports_only_the_layers_below_it(part):
    wrong = []
    for file, package in modules_of(part):
        for name in imports_of(file, package):
            if not name.startswith("nengo_truenorth."):
                continue
            target = name.split(".")[1]
            if target != part and target not in ALLOWED[part]:
                wrong.append(f"{file.relative_to(ROOT)} imports {name}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("part", sorted(NENGO_ALLOWED))
def test_the_lower_layers_need_nothing_of_nengos_build(part):
    wrong = []
    for file, package in modules_of(part):
        for name in imports_of(file, package):
            top = name.split(".")[0]
            if top != "nengo" or name == "nengo":
                continue
            if not any(name.startswith(ok) for ok in NENGO_ALLOWED[part]):
                wrong.append(f"{file.relative_to(ROOT)} imports {name}")
    assert not wrong, "\n".join(wrong)


def test_the_old_flat_builder_folder_is_gone():
    assert not (PACKAGE / "builder").exists()


def test_the_sister_package_imports_the_chip_only_in_its_chip_mapping():
    for file in sorted((ROOT / "nengo_sigmadelta").rglob("*.py")):
        package = ".".join(file.relative_to(ROOT).with_suffix("").parts[:-1])
        names = [
            n for n in imports_of(file, package) if n.startswith("nengo_truenorth")
        ]
        if file.name == "truenorth.py":
            assert all(n.startswith("nengo_truenorth.frontend.mappings") for n in names)
        else:
            assert not names, f"{file.name} imports {names}"


def test_no_import_cycles_among_the_modules():
    tool = ROOT.parent / "shared" / "tools" / "import_cycles.py"
    if not tool.exists():
        pytest.skip(f"{tool} is not beside the project")
    done = subprocess.run(
        [sys.executable, str(tool), "nengo_truenorth", "nengo_sigmadelta"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_only_training_code_uses_the_sister_package():
    wrong = []
    for file in sorted(PACKAGE.rglob("*.py")):
        relative = file.relative_to(ROOT)
        package = ".".join(relative.with_suffix("").parts[:-1])
        # training, and the convnets' and classifier's training, share the
        # quantizers
        if relative.parts[1] == "training" or relative.parts[1:] in (
            ("convnet", "train.py"),
            ("qc", "dl.py"),
        ):
            continue
        for name in imports_of(file, package):
            if name.startswith("nengo_sigmadelta"):
                wrong.append(f"{relative} imports {name}")
    assert not wrong, "\n".join(wrong)
