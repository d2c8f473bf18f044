#!/usr/bin/env python3
"""JAX reference for the MoE expert-pruning paper, Config A (spec moe-pruning.md §2, §3, §4).

The same data model, constructed checkpoint, model and plain-SGD step as moe_torch.py and Provable's
`sim bench moe` (see moe_torch.py for the full statement), in float64, with the whole SGD step —
fresh batch, forward, jax.grad backward, update — compiled into one jax.jit function.

  f(x) = Σ_s Σ_{j ∈ J_s} G_{s,j} Σ_r a_r ReLU(⟨w_{s,r}, x^(j)⟩),  J_s = top-l tokens of ⟨w_s, x^(j)⟩,
  G_{s,·} = softmax over J_s;  hinge loss;  w_{s,r} ← w_{s,r} − η_e ∇,  w_s ← w_s − η_r ∇;  a fixed.

Prints the training throughput (steps/s after a compile + warm-up run; checkpoint construction and
evaluation excluded) and the test hinge / 0-1 error on 2000 fresh samples (expected 0 after T = 800).

Usage: python moe_jax.py [--steps 800] [--runs 10] [--seed 0]
"""
import argparse
import math
import time

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402

# Config A (spec §4).
d, n = 100, 16                # token dim (patterns e_0 … e_{d−1}), tokens per sample
sigma_tok = 0.5               # per-coordinate token noise N(0, σ_tok²/d)
k, m, l = 8, 10, 2            # experts, hidden neurons per expert, tokens per expert (expert choice)
ipf = 2                       # important experts per relevant feature: 4 important, γ = 0.5
alpha, eps_bg = 1.0, 0.05     # router weight on an important expert's feature / on each background coordinate
alpha_u = (0.5, 3.0)          # α_u ~ U[0.5, 3]: norms of the task-irrelevant routers
router_noise, expert_scale = 0.1, 1.0   # init sd × √d of routers / hidden weights
eta_e, eta_r, B = 0.5, 0.5, 16          # expert / router step sizes, batch size
N_TEST = 2000
FEATURE = jnp.array([0, 1])   # coordinate of o1 (y = +1) and o2 (y = −1)
N_BG = d - 2                  # background coordinates 2 … d−1


def sample_batch(key, n_samples):
    """n_samples fresh samples: tokens X (n_samples×n×d), labels y (n_samples)."""
    k_y, k_bg, k_pos, k_noise = jax.random.split(key, 4)
    y = jax.random.rademacher(k_y, (n_samples,), dtype=jnp.float64)              # ±1, balanced
    coord = 2 + jax.random.randint(k_bg, (n_samples, n), 0, N_BG)                # background e_c
    pos = jax.random.randint(k_pos, (n_samples,), 0, n)                          # feature token position
    feature = jnp.where(y > 0, FEATURE[0], FEATURE[1])
    coord = jnp.where(jnp.arange(n)[None, :] == pos[:, None], feature[:, None], coord)
    X = (sigma_tok / math.sqrt(d)) * jax.random.normal(k_noise, (n_samples, n, d))
    return X + jax.nn.one_hot(coord, d), y                                       # x_j = e_{c_j} + noise


def constructed_checkpoint(key):
    """The constructed pre-trained state of §2.4: {"W_R": (k, d), "W_E": (k, m, d)}."""
    k_r, k_e, k_u, k_a = jax.random.split(key, 4)
    W_R = (router_noise / math.sqrt(d)) * jax.random.normal(k_r, (k, d))
    W_E = (expert_scale / math.sqrt(d)) * jax.random.normal(k_e, (k, m, d))
    n_imp = 2 * ipf
    is_bg = jnp.arange(d) >= 2
    own = jax.nn.one_hot(FEATURE[jnp.arange(n_imp) // ipf], d)                   # e_{o(s)}, s < n_imp
    W_R = W_R.at[:n_imp].add(alpha * own + eps_bg * is_bg)                       # important specialists
    u = jnp.where(is_bg, 0.5 + 0.5 * jax.random.uniform(k_u, (k - n_imp, d)), 0.0)
    a_u = jax.random.uniform(k_a, (k - n_imp, 1), minval=alpha_u[0], maxval=alpha_u[1])
    W_R = W_R.at[n_imp:].add(a_u * u / jnp.linalg.norm(u, axis=1, keepdims=True))   # irrelevant, norm α_u
    return {"W_R": W_R, "W_E": W_E}


A_OUT = jnp.where(jnp.arange(m) < m // 2, 1.0, -1.0) / m                         # a_r = ±1/m, fixed


def forward(params, X):
    r = jnp.einsum("bnd,kd->bkn", X, params["W_R"])          # r_{s,j} = ⟨w_s, x^(j)⟩       (B, k, n)
    r_top, J = jax.lax.top_k(r, l)                            # J_s: the l top tokens         (B, k, l)
    G = jax.nn.softmax(r_top, axis=-1)                        # gates over J_s
    Xs = jnp.take_along_axis(X[:, None], J[..., None], axis=2)           # x^(j), j ∈ J_s  (B, k, l, d)
    z = jnp.einsum("bkld,krd->bklr", Xs, params["W_E"])                  # (B, k, l, m)
    h = jax.nn.relu(z) @ A_OUT                                # h_s(x^(j))                   (B, k, l)
    return (G * h).sum(axis=(1, 2))                           # f = Σ_s Σ_{j∈J_s} G h


def hinge(f, y):
    return jnp.maximum(0.0, 1.0 - y * f)                      # max(0, 1 − yf)


def loss_fn(params, X, y):
    return hinge(forward(params, X), y).mean()


@jax.jit
def train_step(params, data_key, step):
    """One SGD step on a fresh batch: the batch is drawn from fold_in(data_key, step) inside the jit."""
    X, y = sample_batch(jax.random.fold_in(data_key, step), B)
    grads = jax.grad(loss_fn)(params, X, y)
    return {"W_E": params["W_E"] - eta_e * grads["W_E"],
            "W_R": params["W_R"] - eta_r * grads["W_R"]}


def train(init_key, data_key, steps):
    params = constructed_checkpoint(init_key)
    jax.block_until_ready(params)
    t0 = time.perf_counter()
    for t in range(steps):
        params = train_step(params, data_key, t)
    jax.block_until_ready(params)
    return params, time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=800, help="SGD steps T per run")
    ap.add_argument("--runs", type=int, default=10, help="independent fine-tuning runs (timings averaged)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    root = jax.random.PRNGKey(args.seed)
    k_test, k_warm, k_runs = jax.random.split(root, 3)
    train(k_warm, k_warm, 100)                                # compile + warm-up, discarded
    X_test, y_test = jax.jit(sample_batch, static_argnums=1)(k_test, N_TEST)

    total_time, results = 0.0, []
    for run in range(args.runs):
        k_init, k_data = jax.random.split(jax.random.fold_in(k_runs, run))
        params, seconds = train(k_init, k_data, args.steps)
        total_time += seconds
        f = forward(params, X_test)
        results.append((float(hinge(f, y_test).mean()), float((y_test * f <= 0).mean())))

    print(f"moe Config A, JAX {jax.__version__} float64 (jit), {jax.default_backend()}: "
          f"{args.runs} run(s) x {args.steps} steps, B={B}, expert choice l={l}")
    for run, (h, e) in enumerate(results):
        print(f"  run {run}: test hinge {h:.4f}, test error {e:.4f} ({N_TEST} fresh samples)")
    print(f"test error (mean over runs): {sum(e for _, e in results) / len(results):.4f}")
    print(f"moe jax training throughput: {args.runs * args.steps / total_time:.1f} SGD steps/s")


if __name__ == "__main__":
    main()
