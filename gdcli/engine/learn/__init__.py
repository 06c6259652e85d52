"""Learning from data: data sets, models and losses, mini-batch training, derivative-free searches, `fit`."""

from gdcli.engine import lazy_exports

__getattr__ = lazy_exports(__name__, {
    "fit": "pipeline", "load_data": "data", "generate_data": "data", "build_problem": "models", "TrainSpec": "spec",
    "train": "train",
})
