"""Learning from data: data sets, models and losses, dense networks, mini-batch training, derivative-free searches,
metrics, loss landscapes, `fit`."""

from gdcli.engine import lazy_exports

__getattr__ = lazy_exports(__name__, {
    "fit": "pipeline", "load_data": "data", "generate_data": "data", "build_problem": "models", "TrainSpec": "spec",
    "train": "train", "build_network": "networks", "digits": "datasets", "read_idx": "datasets",
    "landscape": "landscape",
})
