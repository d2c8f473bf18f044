#!/usr/bin/env python3
"""JAX reference for GeneralTransformer's training throughput (`sim bench transformer`).

The same model and plain-SGD step as transformer_torch.py and Provable's GeneralTransformer (see
transformer_torch.py for the full statement), in float64, with the whole SGD step — fresh batch,
forward, jax.grad backward, update — compiled into one jax.jit function (parameters and PRNG key
donated, so the update can reuse their buffers).

  d = 128, L = 64, B = 32, 2 layers, H = 4 heads, mb = 32, m = 128; LayerNorm before every layer and
  the readout, residual, all tokens are keys, no score bias, mean readout, a fixed;
  logistic loss, θ ← θ − 0.01 ∇θ on every Wqkv_i and W_O.

Data: tokens X ~ N(0, 1) and labels ±1 drawn fresh inside the jitted step from a PRNG key that the
step splits and returns (no host round trip). The key is JAX's default threefry2x32: on this CPU it was
the cheapest — about 4 ms per batch of B·L·d = 262144 float64 normals, against 16–17 ms for "rbg" /
"unsafe_rbg" (XLA's RngBitGenerator); --prng selects another implementation.

Prints the analytic flop count per step and the training throughput (steps/s after compile +
warm-up, over at least --seconds of wall clock, timed with block_until_ready) with its GFLOP/s.
The last line is what benchmarks/compare reads.

Usage: python transformer_jax.py [--seconds 5] [--steps N] [--warmup 3] [--seed 0] [--prng threefry2x32]
"""
import argparse
import math
import time

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402

d, L, B = 128, 64, 32         # token dim, tokens per sequence, batch size
LAYERS, H, mb = 2, 4, 32      # attention layers, heads, query/key dim per head (value dim per head = d)
m = 128                       # readout neurons (rows of W_O)
init_std, eta = 0.05, 0.01    # init std of Wqkv_i and W_O; SGD step size
EPS = 1e-5                    # LayerNorm epsilon
ROWS = 2 * H * mb + H * d     # rows of Wqkv_i


def step_flops():
    """Analytic flops of one SGD step: 3 × the forward pass's matmul flops (backward ≈ 2 × forward),
    multiply-add = 2; softmax, LayerNorm, ReLU, loss and update not counted."""
    per_layer = 2 * L * d * ROWS + 2 * H * L * L * (mb + d)    # QKV projection; Q Kᵀ and A V per head
    readout = 2 * L * d * m + 2 * L * m                        # W_O z_l and aᵀ ReLU(·) for the L rows
    return 3 * B * (LAYERS * per_layer + readout)


def layer_norm(x):
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)        # biased variance, no gain/bias
    return (x - mu) / jnp.sqrt(var + EPS)


def init_params(key):
    """Trained weights {Wqkv: [per layer], W_O}; the fixed output layer a is returned separately."""
    keys = jax.random.split(key, LAYERS + 1)
    params = {
        "Wqkv": [init_std * jax.random.normal(keys[i], (ROWS, d)) for i in range(LAYERS)],
        "W_O": init_std * jax.random.normal(keys[LAYERS], (m, d)),
    }
    a = jnp.where(jnp.arange(m) < m // 2, 1.0, -1.0) / math.sqrt(m)   # half +1/√m, half −1/√m
    return params, a


def forward(params, a, X):                                    # X: (B, L, d)
    n = X.shape[0]
    for W in params["Wqkv"]:
        qkv = layer_norm(X) @ W.T                             # (B, L, 2·H·mb + H·d)
        q = qkv[..., :H * mb].reshape(n, L, H, mb)
        k = qkv[..., H * mb:2 * H * mb].reshape(n, L, H, mb)
        v = qkv[..., 2 * H * mb:].reshape(n, L, H, d)
        A = jax.nn.softmax(jnp.einsum("blhm,bshm->bhls", q, k), axis=-1)   # over all L keys, no 1/√mb
        X = X + jnp.einsum("bhls,bshd->bld", A, v)            # residual + Σ_h A_h V_h
    g = layer_norm(X) @ params["W_O"].T                       # (B, L, m)
    return (jax.nn.relu(g) @ a).mean(axis=1)                  # F = (1/L) Σ_l aᵀ ReLU(W_O z_l)


def loss_fn(params, a, X, y):
    return jax.nn.softplus(-y * forward(params, a, X)).mean()   # logistic log(1 + e^{−yF}), batch mean


def train_step(params, key, a):
    """One SGD step on a fresh batch drawn from `key`; returns the new params, the next key, the loss."""
    key, k_x, k_y = jax.random.split(key, 3)
    X = jax.random.normal(k_x, (B, L, d), dtype=jnp.float64)           # tokens ~ N(0, 1)
    y = jax.random.rademacher(k_y, (B,), dtype=jnp.float64)            # labels ±1
    loss, grads = jax.value_and_grad(loss_fn)(params, a, X, y)
    return jax.tree_util.tree_map(lambda w, dw: w - eta * dw, params, grads), key, loss


train_step = jax.jit(train_step, donate_argnums=(0, 1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=5.0, help="time at least this long (ignored with --steps)")
    ap.add_argument("--steps", type=int, default=0, help="time exactly this many steps instead")
    ap.add_argument("--warmup", type=int, default=3, help="untimed warm-up steps (after compilation)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--prng", default="threefry2x32", help="PRNG implementation of the data key")
    args = ap.parse_args()

    params, a = init_params(jax.random.key(args.seed))
    key = jax.random.key(args.seed + 1, impl=args.prng)
    for _ in range(1 + args.warmup):                          # compile + warm-up, untimed
        params, key, loss = train_step(params, key, a)
    jax.block_until_ready((params, key))

    steps, t0 = 0, time.perf_counter()
    while True:
        params, key, loss = train_step(params, key, a)
        jax.block_until_ready(params)                         # one sync per step (a step takes ms)
        steps += 1
        elapsed = time.perf_counter() - t0
        if (args.steps > 0 and steps >= args.steps) or (args.steps <= 0 and elapsed >= args.seconds):
            break

    flops = step_flops()
    rate = steps / elapsed
    print(f"transformer d={d} L={L} B={B} layers={LAYERS} H={H} mb={mb} m={m}, logistic, SGD eta={eta}, "
          f"JAX {jax.__version__} float64 (jit, {args.prng} data key), {jax.default_backend()}: "
          f"{steps} steps in {elapsed:.2f} s (last loss {float(loss):.4f})")
    print(f"analytic flops per step: {flops / 1e9:.4f} GFLOP (3 x forward matmuls); "
          f"{rate * flops / 1e9:.2f} GFLOP/s")
    print(f"transformer jax training throughput: {rate:.2f} SGD steps/s")


if __name__ == "__main__":
    main()
