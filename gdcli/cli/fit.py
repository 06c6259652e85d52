"""`gdcli fit`: fit a model to data by GD, mini-batches or SGD, and compare with the closed form."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from gdcli.cli import common
from gdcli.commands.fit import FitOptions, compute, document

def render(result, console) -> None:
    from gdcli.render.fit import render_fit

    render_fit(result, console)


def fit(
    data: Annotated[Optional[Path], typer.Option(help="CSV with a header row, .npy (columns x1.., y), .npz, the built-in 'digits' (UCI optical digits, 1797 8×8 images, CC BY 4.0), or an IDX image file (MNIST's format, .gz or not) with --labels.", show_default=False)] = None,
    labels: Annotated[Optional[Path], typer.Option(help="The IDX label file that goes with --data IMAGES, e.g. train-labels-idx1-ubyte.gz.", show_default=False)] = None,
    generate: Annotated[Optional[str], typer.Option(help="Make data: y = EXPR(x) + noise, e.g. \"1.5*x + 2.73\".", show_default=False)] = None,
    noise: Annotated[Optional[str], typer.Option(help="Noise added by --generate: an SD (Gaussian), normal:SD, or uniform:A,B (default 0).", show_default=False)] = None,
    n: Annotated[Optional[int], typer.Option("--n", help="Rows to generate (default 100).", show_default=False)] = None,
    x_dist: Annotated[Optional[str], typer.Option(help="Inputs for --generate: normal:MEAN,SD or uniform:A,B (default normal:0,10).", show_default=False)] = None,
    classes: Annotated[Optional[int], typer.Option(help="With --generate: labels 0..K-1, the K equal-count bins of EXPR(x) + noise (x1 - x2: separable; x1*x2 on uniform:-1,1: XOR-like).", show_default=False)] = None,
    x: Annotated[Optional[str], typer.Option("--x", help="Feature columns, e.g. x1,x2 (default: every column but the target).", show_default=False)] = None,
    y: Annotated[Optional[str], typer.Option("--y", help="Target column (default: the last).", show_default=False)] = None,
    model: Annotated[Optional[str], typer.Option(help="An expression in columns and parameters (\"w*x + b\"), or linear, poly:K, perceptron, logistic, svm (multiclass hinge), softmax, adaline (LMS on ±1 targets), mlp:H1[,H2,…] (hidden layer sizes), or madaline:H (H ADALINE units, sign outputs, voting at a fixed majority unit whose tie is −1, so madaline:2 is AND of two lines, as in Widrow and Lehr's XOR network; trained by Madaline Rule II: reverse the unit whose sum is nearest 0 by an α-LMS step, keep it if the error falls; no gradient or optimizer options).", show_default=False)] = None,
    activation: Annotated[Optional[str], typer.Option(help="Hidden units of an mlp: relu (default; He initialisation), tanh or sigmoid (Xavier).", show_default=False)] = None,
    task: Annotated[Optional[str], typer.Option(help="regression or classification (default: inferred; integer labels with 2-20 values are classes).", show_default=False)] = None,
    subset: Annotated[Optional[str], typer.Option(help="Keep only the rows whose target is one of these values, e.g. 0,1 (digits 0 against 1).", show_default=False)] = None,
    test_split: Annotated[Optional[float], typer.Option(help="Hold out this fraction of the rows (seeded; stratified by class) and report test loss and accuracy.", show_default=False)] = None,
    scale: Annotated[Optional[str], typer.Option(help="Scale the features: none (default), standard (mean 0, sd 1) or minmax ([0, 1]), fitted on the training rows only.", show_default=False)] = None,
    params: Annotated[Optional[str], typer.Option(help="The parameters, in order (default: the model's names that are not columns).", show_default=False)] = None,
    loss: Annotated[Optional[str], typer.Option(help="mse, sse, mae, hinge, multiclass-hinge, logistic, cross-entropy or perceptron.", show_default=False)] = None,
    reg: Annotated[Optional[float], typer.Option(help="L2 weight: adds reg·Σθ² over every parameter but intercepts.", show_default=False)] = None,
    gradient: Annotated[Optional[str], typer.Option(help="manual (symbolic chain rule), autograd (torch backward), module (nn.Module + torch.optim).", show_default=False)] = None,
    optimizer: Annotated[Optional[str], typer.Option(help="gd, momentum, nesterov, adagrad, rmsprop, adam, newton; or derivative-free (seed 002, --gradient manual): random-search (try θ = step·N(0,I), keep the best) or random-local-search (try θ + step·N(0,I), keep it if the loss falls). These make ⌈rows/batch-size⌉ tries per epoch, one per update GD would make, each scored on all rows.", show_default=False)] = None,
    lr: Annotated[Optional[float], typer.Option(help="Learning rate (default 0.01; 1 for newton, the full Newton step; for madaline:H the α of its α-LMS steps, in (0, 2), default 1).", show_default=False)] = None,
    momentum: common.Momentum = None,
    beta1: common.Beta1 = None,
    beta2: common.Beta2 = None,
    eps: common.Eps = None,
    rmsprop_alpha: common.RmspropAlpha = None,
    step_size: Annotated[Optional[float], typer.Option(help="random-search: scale of the random tries (default 1); random-local-search: scale of the moves (default 0.1).", show_default=False)] = None,
    batch_size: Annotated[Optional[str], typer.Option(help="Rows per update: full (default), 1 for SGD, or a sweep 1,10,100,full.", show_default=False)] = None,
    epochs: Annotated[Optional[int], typer.Option(help="Passes over the data (default 100).", show_default=False)] = None,
    init: Annotated[Optional[str], typer.Option(help="Start: random (default, seeded), zeros, or w=1.5,b=1.", show_default=False)] = None,
    seed: common.Seed = None,
    plot: Annotated[Optional[Path], typer.Option(help="Write the loss (and accuracy) curves, train against test, to this picture (.png, .svg or .pdf by its extension); a --batch-size sweep draws loss against wall time, one curve per size. One feature: the data with the fit beside it as NAME_data with the same extension; two features and classes: the decision regions there.", show_default=False)] = None,
    landscape: Annotated[Optional[Path], typer.Option(help="Draw the training loss around the trained parameters to this picture (.png, .svg or .pdf; Li et al. 2018): 1-D and 2-D slices along seeded random directions (filter-normalised for networks), the training path projected on that plane, and the line from the initial to the final parameters.", show_default=False)] = None,
    landscape_res: Annotated[Optional[int], typer.Option(help="Points per axis of the --landscape slices (default 25; the 2-D slice costs its square in loss evaluations).", show_default=False)] = None,
    landscape_span: Annotated[Optional[float], typer.Option(help="Half-width of the --landscape slices, in units of the normalised directions (default 1: a step as large as the weights).", show_default=False)] = None,
    save_params: Annotated[Optional[Path], typer.Option(help="Write the trained parameters to this JSON file.", show_default=False)] = None,
    json: common.Json = None,
    config: common.Config = None,
):
    """Fit a model to data with gradient descent, mini-batches or SGD, checked against the closed form.

    Example:

        gdcli fit --generate "1.5*x + 2.73" --noise 0.5 --n 100 --model "w*x + b" --lr 0.005 --epochs 2000

        gdcli fit --generate "x1 - x2" --classes 3 --model svm --optimizer random-local-search --epochs 500

        gdcli fit --data digits --model mlp:32 --optimizer adam --lr 0.01 --batch-size 32 --epochs 20 --scale standard --test-split 0.25
    """
    result = common.run(FitOptions, "fit", config, locals(), compute, document, render)
    if result is not None and result.status == "interrupted":
        raise typer.Exit(130)
