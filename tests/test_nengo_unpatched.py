"""Building a ``nengo_truenorth.Simulator`` changes nothing of Nengo, even for a moment.

Every attribute of every loaded ``nengo`` module, and of every class those modules
define, is the same object before, during and after a build: "during" is checked at
calls into Nengo's optimizer and into ``nengo.Simulator.__init__``'s own steps (a
profile hook on the build's thread) and at each update of the build's progress bar.
A ``nengo.Simulator`` built on another thread meanwhile runs Nengo's own optimizer.
"""

import sys
import threading

import nengo
import nengo.builder.optimizer
import nengo.simulator
import nengo.utils.graphs
import nengo.utils.simulator
import numpy as np
from nengo.utils.progress import ProgressBar

import nengo_truenorth


def network(n=4):
    with nengo.Network(seed=0) as net:
        stim = nengo.Node(lambda t: np.sin(t))
        for _ in range(n):
            ens = nengo.Ensemble(20, 1, neuron_type=nengo.SpikingRectifiedLinear())
            nengo.Connection(stim, ens, transform=0.5, synapse=0.01)
            nengo.Connection(ens, ens, synapse=0.05)
            nengo.Probe(ens, synapse=0.01)
    return net


def nengo_objects():
    """{(module, name) or (module, class, name): object} of all loaded Nengo."""
    found = {}
    for module_name, module in list(sys.modules.items()):
        if module is None or not (
            module_name == "nengo" or module_name.startswith("nengo.")
        ):
            continue
        for name, value in list(vars(module).items()):
            found[module_name, name] = value
            if isinstance(value, type) and value.__module__ == module_name:
                for attr, member in list(vars(value).items()):
                    found[module_name, name, attr] = member
    return found


def changes(before):
    now = nengo_objects()
    return sorted(
        str(key)
        for key, value in before.items()
        if key in now and now[key] is not value
    )


class CheckingBar(ProgressBar):
    """A progress bar that looks at Nengo at each update."""

    def __init__(self, before):
        super().__init__()
        self.before = before
        self.found = []
        self.updates = 0

    def update(self, progress):
        self.updates += 1
        self.found.extend(changes(self.before))

    def close(self):
        pass


def test_nothing_of_nengo_changes_before_during_or_after_a_build():
    net = network()
    # a first build loads every module the build uses
    nengo_truenorth.Simulator(net, progress_bar=False).close()
    before = nengo_objects()
    opmerge_optimize = nengo.simulator.opmerge_optimize
    assert opmerge_optimize is nengo.builder.optimizer.optimize

    # "during": at calls to what Nengo's optimizer and Simulator.__init__ call
    watched = {
        nengo.builder.optimizer.OpMergePass.perform_merges.__code__,
        nengo.builder.optimizer.OpMergePass.merge.__code__,
        nengo.utils.simulator.operator_dependency_graph.__code__,
        nengo.utils.graphs.toposort.__code__,
        nengo.simulator.Simulator.reset.__code__,
    }
    seen = set()
    found = []

    def profile(frame, event, arg):
        if event == "call" and frame.f_code in watched:
            seen.add(frame.f_code)
            found.extend(changes(before))
            found.extend(
                ["nengo.simulator.opmerge_optimize"]
                if nengo.simulator.opmerge_optimize is not opmerge_optimize
                else []
            )

    bar = CheckingBar(before)
    sys.setprofile(profile)
    try:
        sim = nengo_truenorth.Simulator(net, progress_bar=bar)
    finally:
        sys.setprofile(None)
    with sim:
        sim.run_steps(3)
    assert seen == watched  # each watched point was reached
    assert bar.updates > 0
    assert found == []
    assert bar.found == []
    assert changes(before) == []
    assert nengo.simulator.opmerge_optimize is opmerge_optimize


def test_nengo_on_another_thread_meanwhile_is_nengos():
    """While a chip Simulator runs its optimizer, another thread sees Nengo's."""
    seen = []
    started = threading.Event()
    done = threading.Event()

    class Bar(ProgressBar):
        def update(self, progress):
            # the optimizer's stage (Nengo's name for it): hold it until the other
            # thread has looked (the stage's end waits for its update thread)
            if progress.name_during == "Building (running optimizer)":
                started.set()
                done.wait(timeout=10)

        def close(self):
            pass

    def other():
        if started.wait(timeout=60):
            # what a nengo.Simulator built now would run
            seen.append(nengo.simulator.opmerge_optimize)
            seen.append(nengo.builder.optimizer.OpMergePass.__call__)
        done.set()

    thread = threading.Thread(target=other)
    thread.start()
    call = nengo.builder.optimizer.OpMergePass.__call__
    try:
        nengo_truenorth.Simulator(network(2), progress_bar=Bar()).close()
    finally:
        done.set()
        thread.join()
    assert seen == [nengo.builder.optimizer.optimize, call]
