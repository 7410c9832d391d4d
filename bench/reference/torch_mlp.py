#!/usr/bin/env python3
"""neurona's default MLP recipe in PyTorch, eager: the training set kept on
the device, one optimizer step per batch, the test set evaluated after each
epoch. TF32 matrix products are allowed (torch's "high" precision), as XLA
uses them by default. Prints one line:

  RESULT framework=torch version=... device=... steps_per_s=... target=0.98
         time_to_target_s=... wall_s=... test_acc=... compile_s=0 ...

with the meanings of jax_mlp.py's (eager mode compiles nothing).

  python3 bench/reference/torch_mlp.py MNIST_DIR [--epochs 3 --batch-size 512 ...]
"""

import time

T_IMPORT = time.perf_counter()

import torch  # noqa: E402
from torch import nn  # noqa: E402

import recipe  # noqa: E402


def model():
    sizes = (recipe.INPUTS,) + recipe.HIDDEN + (recipe.CLASSES,)
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layer = nn.Linear(fan_in, fan_out)
        if i < len(sizes) - 2:
            nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
        else:
            nn.init.xavier_uniform_(layer.weight)
        nn.init.zeros_(layer.bias)
        layers += [layer, nn.ReLU()] if i < len(sizes) - 2 else [layer]
    return nn.Sequential(*layers)


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def main():
    args = recipe.parse_args("PyTorch")
    start = time.perf_counter()
    torch.set_float32_matmul_precision("high")
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.manual_seed(args.seed)
    data = recipe.load_data(args.data_dir)
    train_idx = recipe.split(len(data["train_labels"]), args.val_split, args.seed)
    orders = recipe.epoch_orders(train_idx, args.epochs, args.batch_size, args.seed)
    steps = orders.shape[1]
    total, warmup = args.epochs * steps, recipe.go_round(args.warmup * steps)

    x_train = torch.from_numpy(data["train_images"].copy()).to(device)
    y_train = torch.from_numpy(data["train_labels"]).long().to(device)
    x_test = torch.from_numpy(data["test_images"].copy()).to(device).float() / 255
    y_test = torch.from_numpy(data["test_labels"]).long().to(device)
    orders = torch.from_numpy(orders).long().to(device)
    net = model().to(device)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr, betas=(0.9, 0.999), eps=1e-7)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: recipe.learning_rate(s, 1.0, warmup, total))
    loss_fn = nn.CrossEntropyLoss()
    sync(device)

    t0 = time.perf_counter()
    train_s, tta, acc = 0.0, None, 0.0
    for e in range(args.epochs):
        t = time.perf_counter()
        net.train()
        loss_sum = torch.zeros((), device=device)
        for idx in orders[e]:
            x = x_train[idx].float() / 255
            loss = loss_fn(net(x), y_train[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            loss_sum += loss.detach()
        loss_sum.item()  # waits for the device
        train_s += time.perf_counter() - t
        net.eval()
        with torch.no_grad():
            acc = (net(x_test).argmax(-1) == y_test).float().mean().item()
        if tta is None and acc >= args.target:
            tta = time.perf_counter() - t0
    wall = time.perf_counter() - start
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    print(recipe.result_line(framework="torch", version=torch.__version__, device=name,
                             batch=args.batch_size, epochs=args.epochs, steps=total, steps_per_s=total / train_s,
                             target=args.target, time_to_target_s=tta, wall_s=wall, test_acc=acc,
                             compile_s=0.0, import_s=start - T_IMPORT), flush=True)


if __name__ == "__main__":
    main()
