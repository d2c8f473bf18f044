#!/usr/bin/env python3
"""JAX reference for the graph-transformer paper, default Variant A (spec graph-transformer.md §2.2, §3, §4).

The same data model, model and plain-SGD step as graph_torch.py and Provable's `sim bench graph`
(see graph_torch.py for the full statement), in float64, with the whole SGD step — neighbourhood
gather of the batch, forward, jax.grad backward, update — compiled into one jax.jit function. The
batch order (a reshuffle of the |L| labelled nodes every epoch) is drawn on the host with NumPy.

  F(x_n) = aᵀ ReLU( W_O Σ_{s∈T^n} W_V x_s · softmax_s( (W_K x_s)ᵀ(W_Q x_n) + b[dist(s, n)] ) ),  hinge,
  W ← W − η ∇W for W_Q, W_K, W_V, W_O and b;  a fixed (±1/√m, half/half).

Prints the training throughput (steps/s after a compile + warm-up run; graph construction and
evaluation excluded) and the test hinge / 0-1 error on the held-out eligible nodes (expected ≈ 0).

Usage: python graph_jax.py [--steps 2000] [--runs 4] [--seed 1]
"""
import argparse
import math
import time

import networkx as nx
import numpy as np
import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402

# Default Variant A (spec §2.2, §3, §4) as in `sim bench graph`.
N, r = 2000, 4                # nodes, degree of the random regular graph
Z, z_m = 3, 2                 # attention radius (PE has Z+1 scalars), core distance
d, M = 16, 8                  # feature dim, # patterns (2 discriminative + M−2 non-discriminative)
gamma_d, tau = 0.5, 0.1       # discriminative fraction γ_d, feature-noise level τ
m = 32                        # hidden neurons (rows of W_O); m_a = m_b = d
init_sd = 0.01                # std of W_Q, W_K, W_O entries
eta, B, N_L = 0.5, 16, 400    # SGD step size η, batch size B, labelled nodes |L|
N_TEST = 1000


def make_graph_data(seed):
    """Graph, BFS neighbourhoods (padded to K_max, distance −1 = padding), features and labels."""
    rng = np.random.default_rng(seed)
    while True:                                                       # connected simple r-regular graph
        G = nx.random_regular_graph(r, N, seed=int(rng.integers(2**31)))
        if nx.is_connected(G):
            break
    hoods = [list(nx.single_source_shortest_path_length(G, n, cutoff=Z).items()) for n in range(N)]
    K_max = max(len(h) for h in hoods)
    nbr = np.zeros((N, K_max), dtype=np.int64)
    dist = np.full((N, K_max), -1, dtype=np.int64)
    for n, h in enumerate(hoods):
        nbr[n, :len(h)] = [s for s, _ in h]
        dist[n, :len(h)] = [z for _, z in h]
    disc = rng.random(N) < gamma_d
    pattern = np.where(disc, rng.integers(0, 2, N), rng.integers(2, M, N))
    X = np.eye(d)[pattern] + (tau / math.sqrt(d)) * rng.standard_normal((N, d))
    p_nb, core = pattern[nbr], dist == z_m
    vote = ((p_nb == 0) & core).sum(1) - ((p_nb == 1) & core).sum(1)   # core vote at exactly z_m
    eligible = rng.permutation(np.flatnonzero(vote != 0))             # ties are ineligible
    graph = {"X": jnp.asarray(X), "y": jnp.asarray(np.sign(vote).astype(np.float64)),
             "nbr": jnp.asarray(nbr), "dist": jnp.asarray(dist)}
    return graph, eligible[:N_L], eligible[N_L:N_L + N_TEST], K_max, len(eligible) / N


def init_params(key):
    """Trained Ψ = {W_Q, W_K, W_V, W_O, b}, and the fixed output layer a."""
    kq, kk, ko = jax.random.split(key, 3)
    params = {
        "W_Q": init_sd * jax.random.normal(kq, (d, d)),
        "W_K": init_sd * jax.random.normal(kk, (d, d)),
        "W_V": jnp.eye(d),
        "W_O": init_sd * jax.random.normal(ko, (m, d)),
        "b": jnp.zeros(Z + 1),                                        # one PE scalar per distance 0..Z
    }
    a = jnp.where(jnp.arange(m) < m // 2, 1.0, -1.0) / math.sqrt(m)
    return params, a


def gather(graph, nodes):
    """Query features (B, d), neighbourhood features (B, K_max, d), distances (B, K_max), labels."""
    return graph["X"][nodes], graph["X"][graph["nbr"][nodes]], graph["dist"][nodes], graph["y"][nodes]


def forward(params, a, x_query, X_keys, dist):
    q = x_query @ params["W_Q"].T                                    # W_Q x_n             (B, d)
    k = X_keys @ params["W_K"].T                                     # W_K x_s             (B, K, d)
    v = X_keys @ params["W_V"].T                                     # W_V x_s             (B, K, d)
    e = jnp.einsum("bkm,bm->bk", k, q) + params["b"][jnp.maximum(dist, 0)]
    alpha = jax.nn.softmax(jnp.where(dist >= 0, e, -jnp.inf), axis=-1)   # masked, over s ∈ T^n
    h = jnp.einsum("bk,bkm->bm", alpha, v)                           # Σ_s α_s W_V x_s
    return jax.nn.relu(h @ params["W_O"].T) @ a                      # F = aᵀ ReLU(W_O h)


def hinge(F, y):
    return jnp.maximum(0.0, 1.0 - y * F)                             # max(0, 1 − yF)


def loss_fn(params, a, graph, nodes):
    x_q, X_k, dist, y = gather(graph, nodes)
    return hinge(forward(params, a, x_q, X_k, dist), y).mean()


@jax.jit
def train_step(params, a, graph, nodes):
    """One SGD step on the labelled nodes `nodes` (B,): gather, forward, backward, update."""
    grads = jax.grad(loss_fn)(params, a, graph, nodes)
    return jax.tree_util.tree_map(lambda w, dw: w - eta * dw, params, grads)


def train(graph, labelled, init_key, seed, steps):
    params, a = init_params(init_key)
    jax.block_until_ready(params)
    rng = np.random.default_rng(2000 + seed)
    order, pos = labelled.copy(), len(labelled)
    t0 = time.perf_counter()
    for _ in range(steps):
        if pos + B > len(order):                                      # new epoch over L: reshuffle
            order = rng.permutation(order)
            pos = 0
        params = train_step(params, a, graph, order[pos:pos + B])
        pos += B
    jax.block_until_ready(params)
    return params, a, time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=2000, help="SGD steps T per run")
    ap.add_argument("--runs", type=int, default=4, help="independent training runs (timings summed)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    graph, labelled, test, K_max, elig = make_graph_data(args.seed)    # excluded from the timing
    k_warm, k_runs = jax.random.split(jax.random.PRNGKey(args.seed))
    train(graph, labelled, k_warm, -1, 20)                            # compile + warm-up, discarded

    total_time, results = 0.0, []
    for run in range(args.runs):
        params, a, seconds = train(graph, labelled, jax.random.fold_in(k_runs, run), args.seed + run, args.steps)
        total_time += seconds
        x_q, X_k, dist, y = gather(graph, jnp.asarray(test))
        F = forward(params, a, x_q, X_k, dist)
        results.append((float(hinge(F, y).mean()), float((y * F <= 0).mean()), params["b"].tolist()))

    print(f"graph default, JAX {jax.__version__} float64 (jit), {jax.default_backend()}: {r}-regular N={N} "
          f"Z={Z} (K_max={K_max}) d={d} m={m} B={B} GT+PE, |L|={N_L}, eligible {elig:.3f}; "
          f"{args.runs} run(s) x {args.steps} steps")
    for run, (h, e, b) in enumerate(results):
        print(f"  run {run}: test hinge {h:.4f}, test error {e:.4f} ({len(test)} held-out nodes), "
              f"b = [{', '.join(f'{v:+.3f}' for v in b)}]")
    print(f"test error (mean over runs): {sum(e for _, e, _ in results) / len(results):.4f}")
    print(f"graph jax training throughput: {args.runs * args.steps / total_time:.1f} SGD steps/s")


if __name__ == "__main__":
    main()
