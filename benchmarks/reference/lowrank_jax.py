#!/usr/bin/env python3
"""JAX reference for the low-rank & sparse paper, Config A (spec lowrank-sparse.md §2.2, §3, §4).

The same data model, model and plain-SGD step as lowrank_torch.py and Provable's `sim bench lowrank`
(see lowrank_torch.py for the full statement), in float64, with the whole SGD step — fresh batch,
forward, jax.grad backward, update — compiled into one jax.jit function.

  F(X) = (1/L) Σ_l aᵀ ReLU( W_O Σ_s W_V x_s · softmax_s( x_sᵀ W_Kᵀ W_Q x_l ) ),  hinge loss,
  W ← W − η ∇W for W_Q, W_K, W_V, W_O;  a fixed.

Prints the training throughput (steps/s after a compile + warm-up run) and the test hinge / 0-1 error
on 1000 fresh samples (expected ≈ 0 after T = 500).

Usage: python lowrank_jax.py [--steps 500] [--runs 3] [--seed 0]
"""
import argparse
import math
import time

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402

# Config A (spec §4).
d, M, L = 20, 10, 20          # token dim, # orthonormal patterns, tokens per sample
n_rel, n_conf = 6, 2          # label-relevant / confusion tokens per sample
tau = 0.1                     # token-noise level τ
m, m_a, m_b = 200, 20, 20     # hidden neurons, value dim, query/key dim
delta, xi = 0.2, 0.01         # identity-init scale δ; W_O init std ξ
eta, B = 1.0, 32              # SGD step size η, batch size B
N_TEST = 1000


def make_patterns(key):
    """P (M×d, one pattern per row): first M columns of Q from the QR of a Gaussian d×d matrix."""
    q, r = jnp.linalg.qr(jax.random.normal(key, (d, d)))
    q = q * jnp.sign(jnp.diagonal(r))
    return q[:, :M].T


def sample_batch(P, key, n):
    """n fresh samples: tokens X (n×L×d), labels y (n)."""
    k_y, k_irr, k_perm, k_noise = jax.random.split(key, 4)
    y = jax.random.rademacher(k_y, (n,), dtype=jnp.float64)                   # ±1, balanced
    rel = (y < 0).astype(jnp.int32)                                            # μ_1 for y=+1, μ_2 for y=−1
    conf = 1 - rel
    irr = jax.random.randint(k_irr, (n, L - n_rel - n_conf), 2, M)             # i.i.d. uniform ν_k
    pattern = jnp.concatenate([jnp.broadcast_to(rel[:, None], (n, n_rel)),
                               jnp.broadcast_to(conf[:, None], (n, n_conf)), irr], axis=1)
    perm = jnp.argsort(jax.random.uniform(k_perm, (n, L)), axis=1)            # shuffle the token order
    pattern = jnp.take_along_axis(pattern, perm, axis=1)
    X = P[pattern] + (tau / math.sqrt(d)) * jax.random.normal(k_noise, (n, L, d))   # x_l = p_l + z_l
    return X, y


def init_params(key):
    """Trained weights Ψ = {W_Q, W_K, W_V, W_O}; the fixed output layer a is returned separately."""
    params = {
        "W_Q": delta * jnp.eye(m_b, d),
        "W_K": delta * jnp.eye(m_b, d),
        "W_V": delta * jnp.eye(m_a, d),
        "W_O": xi * jax.random.normal(key, (m, m_a)),
    }
    a = jnp.where(jnp.arange(m) < m // 2, 1.0, -1.0) / math.sqrt(m)           # half +1/√m, half −1/√m
    return params, a


def forward(params, a, X):
    q = X @ params["W_Q"].T                                  # q_l = W_Q x_l          (B, L, m_b)
    k = X @ params["W_K"].T                                  # k_s = W_K x_s
    v = X @ params["W_V"].T                                  # v_s = W_V x_s          (B, L, m_a)
    S = jnp.einsum("blm,bsm->bls", q, k)                     # S[l, s] = k_s · q_l
    A = jax.nn.softmax(S, axis=-1)                           # over the keys s, no temperature
    h = jnp.einsum("bls,bsm->blm", A, v)                     # h_l = Σ_s A[l, s] v_s
    g = h @ params["W_O"].T                                  # g_l = W_O h_l          (B, L, m)
    return (jax.nn.relu(g) @ a).mean(axis=1)                 # F = (1/L) Σ_l aᵀ ReLU(g_l)


def hinge(F, y):
    return jnp.maximum(0.0, 1.0 - y * F)                     # max(0, 1 − yF)


def loss_fn(params, a, X, y):
    return hinge(forward(params, a, X), y).mean()


@jax.jit
def train_step(params, a, P, data_key, step):
    """One SGD step on a fresh batch: the batch is drawn from fold_in(data_key, step) inside the jit."""
    X, y = sample_batch(P, jax.random.fold_in(data_key, step), B)
    grads = jax.grad(loss_fn)(params, a, X, y)
    return jax.tree_util.tree_map(lambda w, dw: w - eta * dw, params, grads)


def train(P, init_key, data_key, steps):
    params, a = init_params(init_key)
    jax.block_until_ready(params)
    t0 = time.perf_counter()
    for t in range(steps):
        params = train_step(params, a, P, data_key, t)
    jax.block_until_ready(params)
    return params, a, time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=500, help="SGD steps T per run")
    ap.add_argument("--runs", type=int, default=3, help="independent training runs (timings averaged)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    root = jax.random.PRNGKey(args.seed)
    k_pat, k_test, k_warm, k_runs = jax.random.split(root, 4)
    P = make_patterns(k_pat)
    train(P, k_warm, k_warm, 20)                             # compile + warm-up, discarded
    X_test, y_test = jax.jit(sample_batch, static_argnums=2)(P, k_test, N_TEST)

    total_time, results = 0.0, []
    for run in range(args.runs):
        k_init, k_data = jax.random.split(jax.random.fold_in(k_runs, run))
        params, a, seconds = train(P, k_init, k_data, args.steps)
        total_time += seconds
        F = forward(params, a, X_test)
        results.append((float(hinge(F, y_test).mean()), float((y_test * F <= 0).mean())))

    print(f"lowrank Config A, JAX {jax.__version__} float64 (jit), {jax.default_backend()}: "
          f"{args.runs} run(s) x {args.steps} steps, B={B}")
    for run, (h, e) in enumerate(results):
        print(f"  run {run}: test hinge {h:.4f}, test error {e:.4f} ({N_TEST} fresh samples)")
    print(f"test error (mean over runs): {sum(e for _, e in results) / len(results):.4f}")
    print(f"lowrank jax training throughput: {args.runs * args.steps / total_time:.1f} SGD steps/s")


if __name__ == "__main__":
    main()
