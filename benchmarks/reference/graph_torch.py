#!/usr/bin/env python3
"""PyTorch reference for the graph-transformer paper, default Variant A (spec graph-transformer.md §2.2, §3, §4).

Same data model, model and plain-SGD step as Provable's `sim bench graph`
(Sources/DataModels/GraphNodes.swift, Sources/Training/GraphTransformer.swift, QueryAttention.swift),
written the way an ML researcher would: networkx graph + BFS, neighbourhoods padded to K_max with a
mask, batched einsum forward, autograd backward, torch.optim.SGD.

  Data   random connected 4-regular graph on N nodes (networkx, Steger–Wormald pairing).
         Patterns e_0..e_{M−1} (μ_+ = e_0, μ_− = e_1): w.p. γ_d a node is discriminative (μ_± ½ each),
         else a uniform non-discriminative e_2..e_{M−1}; x_n = e_{p(n)} + (τ/√d) g_n.
         y_n = sign(#μ_+ − #μ_− at distance exactly z_m); ties are ineligible. The eligible nodes are
         shuffled: the first |L| are labelled, the next (up to) 1000 are the test nodes.
  Model  T^n = nodes within distance Z of n, n itself included (K_max-padded, masked);
         F(x_n) = aᵀ ReLU( W_O Σ_{s∈T^n} W_V x_s · softmax_s( (W_K x_s)ᵀ(W_Q x_n) + b[dist(s, n)] ) )
  Init   W_Q, W_K, W_O ~ N(0, 0.01²), W_V = I, b = 0, a = +1/√m (first half), −1/√m (second half), fixed.
  Train  hinge ℓ = max(0, 1 − yF), batch mean; plain SGD W ← W − η ∇W on W_Q, W_K, W_V, W_O, b;
         B labelled nodes per step, taken in order from |L| reshuffled every epoch; T steps per run.

Prints the training throughput (steps/s: per-batch neighbourhood gather + forward + backward +
update; graph construction and evaluation excluded; after a separate warm-up run) and the test hinge
/ 0-1 error on the held-out eligible nodes (expected ≈ 0 with PE and |L| = 400).

Usage: python graph_torch.py [--steps 2000] [--runs 4] [--seed 1]
"""
import argparse
import math
import time

import networkx as nx
import numpy as np
import torch

torch.set_num_threads(1)
torch.set_default_dtype(torch.float64)

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
    """Graph, BFS neighbourhoods (padded), features and labels. Returns a dict of tensors."""
    rng = np.random.default_rng(seed)
    while True:                                                       # connected simple r-regular graph
        G = nx.random_regular_graph(r, N, seed=int(rng.integers(2**31)))
        if nx.is_connected(G):
            break
    # T^n: node n first (distance 0), then BFS order; padded to K_max (index 0, distance −1).
    hoods = [list(nx.single_source_shortest_path_length(G, n, cutoff=Z).items()) for n in range(N)]
    K_max = max(len(h) for h in hoods)
    nbr = np.zeros((N, K_max), dtype=np.int64)
    dist = np.full((N, K_max), -1, dtype=np.int64)
    for n, h in enumerate(hoods):
        nbr[n, :len(h)] = [s for s, _ in h]
        dist[n, :len(h)] = [z for _, z in h]
    # Patterns and features.
    disc = rng.random(N) < gamma_d
    pattern = np.where(disc, rng.integers(0, 2, N), rng.integers(2, M, N))
    X = np.eye(d)[pattern] + (tau / math.sqrt(d)) * rng.standard_normal((N, d))
    # Core vote at exactly z_m; ties (incl. no discriminative node in the ring) are ineligible.
    p_nb = pattern[nbr]
    core = dist == z_m
    vote = ((p_nb == 0) & core).sum(1) - ((p_nb == 1) & core).sum(1)
    y = np.sign(vote).astype(np.float64)
    eligible = rng.permutation(np.flatnonzero(vote != 0))
    return {
        "X": torch.from_numpy(X), "y": torch.from_numpy(y),
        "nbr": torch.from_numpy(nbr), "dist": torch.from_numpy(dist), "K_max": K_max,
        "labelled": eligible[:N_L], "test": torch.from_numpy(eligible[N_L:N_L + N_TEST]),
        "eligible_frac": len(eligible) / N,
        "shells": [(dist == z).sum() / N for z in range(Z + 1)],
    }


class GraphTransformer(torch.nn.Module):
    """One query (the node) attending over its distance-≤Z neighbourhood with a relative PE b[dist]."""

    def __init__(self, gen):
        super().__init__()
        self.W_Q = torch.nn.Parameter(init_sd * torch.randn(d, d, generator=gen))
        self.W_K = torch.nn.Parameter(init_sd * torch.randn(d, d, generator=gen))
        self.W_V = torch.nn.Parameter(torch.eye(d))
        self.W_O = torch.nn.Parameter(init_sd * torch.randn(m, d, generator=gen))
        self.b = torch.nn.Parameter(torch.zeros(Z + 1))                  # one PE scalar per distance 0..Z
        a = torch.full((m,), 1 / math.sqrt(m))
        a[m // 2:] *= -1                                                 # half +1/√m, half −1/√m
        self.register_buffer("a", a)                                     # fixed, not trained

    def forward(self, x_query, X_keys, dist):
        """x_query (B, d); X_keys (B, K, d) = the gathered T^n; dist (B, K), −1 = padding."""
        mask = dist >= 0
        q = x_query @ self.W_Q.T                                         # q = W_Q x_n        (B, d)
        k = X_keys @ self.W_K.T                                          # k_s = W_K x_s      (B, K, d)
        v = X_keys @ self.W_V.T                                          # v_s = W_V x_s      (B, K, d)
        e = torch.einsum("bkm,bm->bk", k, q) + self.b[dist.clamp(min=0)]  # k_s·q + b[dist(s, n)]
        alpha = torch.softmax(e.masked_fill(~mask, -math.inf), dim=-1)   # over s ∈ T^n, no temperature
        h = torch.einsum("bk,bkm->bm", alpha, v)                         # h = Σ_s α_s v_s    (B, d)
        return torch.relu(h @ self.W_O.T) @ self.a                       # F = aᵀ ReLU(W_O h)


def gather(data, nodes):
    """The per-batch neighbourhood gather: query features, padded key features, distances."""
    idx = data["nbr"][nodes]                                             # (B, K_max)
    return data["X"][nodes], data["X"][idx], data["dist"][nodes], data["y"][nodes]


def hinge(F, y):
    """Per-node hinge max(0, 1 − yF); relu's subgradient at the kink is 0, as in Provable."""
    return torch.relu(1 - y * F)


def train(data, seed, steps):
    """Train a fresh model for `steps` SGD steps; returns (model, seconds spent in the loop)."""
    model = GraphTransformer(torch.Generator().manual_seed(1000 + seed))
    opt = torch.optim.SGD(model.parameters(), lr=eta)                   # plain SGD: no momentum, decay, clipping
    rng = np.random.default_rng(2000 + seed)
    order = torch.from_numpy(data["labelled"].copy())
    pos = len(order)
    t0 = time.perf_counter()
    for _ in range(steps):
        if pos + B > len(order):                                         # new epoch over L: reshuffle
            order = order[torch.from_numpy(rng.permutation(len(order)))]
            pos = 0
        x_q, X_k, dist, y = gather(data, order[pos:pos + B])
        pos += B
        loss = hinge(model(x_q, X_k, dist), y).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return model, time.perf_counter() - t0


@torch.no_grad()
def evaluate(model, data):
    x_q, X_k, dist, y = gather(data, data["test"])
    F = model(x_q, X_k, dist)
    return hinge(F, y).mean().item(), (y * F <= 0).double().mean().item(), model.b.tolist()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=2000, help="SGD steps T per run")
    ap.add_argument("--runs", type=int, default=4, help="independent training runs (timings summed)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    data = make_graph_data(args.seed)                                    # excluded from the timing
    train(data, -1, 20)                                                  # warm-up run, discarded

    total_time, results = 0.0, []
    for run in range(args.runs):
        model, seconds = train(data, args.seed + run, args.steps)
        total_time += seconds
        results.append(evaluate(model, data))

    shells = ", ".join(f"{s:.1f}" for s in data["shells"])
    print(f"graph default, PyTorch {torch.__version__} float64, 1 thread: {r}-regular N={N} Z={Z} "
          f"(K_max={data['K_max']}, mean shells {shells}) d={d} m={m} B={B} GT+PE, |L|={N_L}, "
          f"eligible {data['eligible_frac']:.3f}; {args.runs} run(s) x {args.steps} steps")
    for run, (h, e, b) in enumerate(results):
        print(f"  run {run}: test hinge {h:.4f}, test error {e:.4f} ({len(data['test'])} held-out nodes), "
              f"b = [{', '.join(f'{v:+.3f}' for v in b)}]")
    print(f"test error (mean over runs): {sum(e for _, e, _ in results) / len(results):.4f}")
    print(f"graph torch training throughput: {args.runs * args.steps / total_time:.1f} SGD steps/s")


if __name__ == "__main__":
    main()
