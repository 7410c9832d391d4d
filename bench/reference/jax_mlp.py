#!/usr/bin/env python3
"""neurona's default MLP recipe in JAX: one compiled lax.scan per epoch over
the training set kept on the device, optax's Adam, the test set evaluated
after each epoch. Prints one line:

  RESULT framework=jax version=... device=... steps_per_s=... target=0.98
         time_to_target_s=... wall_s=... test_acc=... compile_s=... ...

steps_per_s: training steps over the time in training calls; time_to_target_s:
from the first step to the end of the first test evaluation at or above the
target, evaluations included, compilation excluded ('-' if not reached);
wall_s: from before reading the data to the end (imports excluded, given as
import_s); compile_s: compiling the epoch and evaluation programs ahead of
time.

  python3 bench/reference/jax_mlp.py MNIST_DIR [--epochs 3 --batch-size 512 ...]
"""

import time

T_IMPORT = time.perf_counter()

import math  # noqa: E402

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402

import recipe  # noqa: E402


def init_params(key):
    sizes = (recipe.INPUTS,) + recipe.HIDDEN + (recipe.CLASSES,)
    params = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        key, sub = jax.random.split(key)
        if i < len(sizes) - 2:  # He normal: ReLU follows
            w = jax.random.normal(sub, (fan_in, fan_out), jnp.float32) * math.sqrt(2.0 / fan_in)
        else:  # Glorot uniform: the output layer
            limit = math.sqrt(6.0 / (fan_in + fan_out))
            w = jax.random.uniform(sub, (fan_in, fan_out), jnp.float32, -limit, limit)
        params.append((w, jnp.zeros((fan_out,), jnp.float32)))
    return params


def scores(params, x):
    h = x.astype(jnp.float32) / 255.0
    for w, b in params[:-1]:
        h = jax.nn.relu(h @ w + b)
    w, b = params[-1]
    return h @ w + b


def main():
    args = recipe.parse_args("JAX")
    start = time.perf_counter()
    data = recipe.load_data(args.data_dir)
    train_idx = recipe.split(len(data["train_labels"]), args.val_split, args.seed)
    orders = recipe.epoch_orders(train_idx, args.epochs, args.batch_size, args.seed)
    steps = orders.shape[1]
    total, warmup = args.epochs * steps, recipe.go_round(args.warmup * steps)

    # neurona's schedule, step by step, looked up by optax's update count.
    rates = jnp.asarray([recipe.learning_rate(s, args.lr, warmup, total) for s in range(total)], jnp.float32)

    def schedule(count):
        return rates[jnp.minimum(count, total - 1)]

    opt = optax.adam(schedule, b1=0.9, b2=0.999, eps=1e-7)
    x_train, y_train = jnp.asarray(data["train_images"]), jnp.asarray(data["train_labels"])
    x_test, y_test = jnp.asarray(data["test_images"]), jnp.asarray(data["test_labels"])
    orders = jnp.asarray(orders)
    params = init_params(jax.random.PRNGKey(args.seed))
    state = (params, opt.init(params))

    def loss_fn(params, x, y):
        s = scores(params, x)
        return optax.softmax_cross_entropy_with_integer_labels(s, y).mean(), s

    def epoch(state, x_all, y_all, order):
        def step(state, idx):
            params, opt_state = state
            x, y = x_all[idx], y_all[idx]
            (loss, s), grads = jax.value_and_grad(loss_fn, has_aux=True)(params, x, y)
            updates, opt_state = opt.update(grads, opt_state, params)
            correct = jnp.sum(jnp.argmax(s, -1) == y)
            return (optax.apply_updates(params, updates), opt_state), (loss, correct)

        state, (losses, correct) = jax.lax.scan(step, state, order)
        return state, losses.sum(), correct.sum()

    def accuracy(params, x, y):
        return jnp.mean(jnp.argmax(scores(params, x), -1) == y)

    t = time.perf_counter()
    epoch_c = jax.jit(epoch, donate_argnums=0).lower(state, x_train, y_train, orders[0]).compile()
    accuracy_c = jax.jit(accuracy).lower(params, x_test, y_test).compile()
    compile_s = time.perf_counter() - t

    t0 = time.perf_counter()
    train_s, tta, acc = 0.0, None, 0.0
    for e in range(args.epochs):
        t = time.perf_counter()
        state, loss_sum, _ = epoch_c(state, x_train, y_train, orders[e])
        loss_sum.block_until_ready()
        train_s += time.perf_counter() - t
        acc = float(accuracy_c(state[0], x_test, y_test))
        if tta is None and acc >= args.target:
            tta = time.perf_counter() - t0
    wall = time.perf_counter() - start
    print(recipe.result_line(framework="jax", version=jax.__version__, device=jax.devices()[0].device_kind,
                             batch=args.batch_size, epochs=args.epochs, steps=total, steps_per_s=total / train_s,
                             target=args.target, time_to_target_s=tta, wall_s=wall, test_acc=acc,
                             compile_s=compile_s, import_s=start - T_IMPORT), flush=True)


if __name__ == "__main__":
    main()
