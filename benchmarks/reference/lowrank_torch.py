#!/usr/bin/env python3
"""PyTorch reference for the low-rank & sparse paper, Config A (spec lowrank-sparse.md §2.2, §3, §4).

Same data model, model and plain-SGD step as Provable's `sim bench lowrank`
(Sources/DataModels/MajorityVoteTokens.swift, Sources/Training/OneLayerTransformer.swift), written
the way an ML researcher would: batched einsum forward, autograd backward, torch.optim.SGD.

  Data   P = first M columns of a QR-orthonormalized d×d Gaussian: μ_1, μ_2 (label-relevant), ν_1..ν_{M-2}.
         y = ±1 (½ each); n_rel tokens of μ_y, n_conf tokens of μ_{-y}, L - n_rel - n_conf i.i.d.
         uniform ν_k, shuffled; x_l = p_l + z_l, z_l ~ N(0, (τ²/d) I).
  Model  F(X) = (1/L) Σ_l aᵀ ReLU( W_O Σ_s W_V x_s · softmax_s( x_sᵀ W_Kᵀ W_Q x_l ) )
         no temperature, bias, LayerNorm, residual or positional encoding.
  Init   W_Q = W_K = W_V = δ·I, W_O ~ N(0, ξ²), a = +1/√m (first half), −1/√m (second half), fixed.
  Train  hinge ℓ = max(0, 1 − yF), batch mean; plain SGD W ← W − η ∇W on W_Q, W_K, W_V, W_O;
         a fresh batch of B samples every step, T steps.

Prints the training throughput (steps/s: data generation + forward + backward + update, evaluation
excluded, after a separate warm-up run) and the test hinge / 0-1 error on 1000 fresh samples
(expected: both ≈ 0 after T = 500).

Usage: python lowrank_torch.py [--steps 500] [--runs 3] [--seed 0]
"""
import argparse
import math
import time

import torch

torch.set_num_threads(1)
torch.set_default_dtype(torch.float64)

# Config A (spec §4, "Calibrated configurations").
d, M, L = 20, 10, 20          # token dim, # orthonormal patterns, tokens per sample
n_rel, n_conf = 6, 2          # label-relevant / confusion tokens per sample (α_* = 0.3, α_# = 0.1)
tau = 0.1                     # token-noise level τ
m, m_a, m_b = 200, 20, 20     # hidden neurons (rows of W_O), value dim, query/key dim
delta, xi = 0.2, 0.01         # identity-init scale δ of W_Q, W_K, W_V; std ξ of W_O entries
eta, B = 1.0, 32              # SGD step size η, batch size B
N_TEST = 1000


def make_patterns(gen):
    """P (M×d, one pattern per row): the first M columns of Q from the QR of a Gaussian d×d matrix."""
    q, r = torch.linalg.qr(torch.randn(d, d, generator=gen))
    q = q * torch.sign(torch.diagonal(r))          # fix column signs (unique QR)
    return q[:, :M].T.contiguous()


def sample_batch(P, n, gen):
    """n fresh samples: tokens X (n×L×d), labels y (n), pattern index of each token (n×L)."""
    y = torch.randint(0, 2, (n,), generator=gen) * 2 - 1                        # ±1, balanced
    rel = (y < 0).long()                                                        # μ_1 (row 0) for y=+1, μ_2 (row 1) for y=−1
    conf = 1 - rel                                                              # the other discriminative pattern
    irr = torch.randint(2, M, (n, L - n_rel - n_conf), generator=gen)           # i.i.d. uniform ν_k
    pattern = torch.cat([rel[:, None].expand(n, n_rel), conf[:, None].expand(n, n_conf), irr], dim=1)
    perm = torch.rand(n, L, generator=gen).argsort(dim=1)                       # shuffle the token order
    pattern = pattern.gather(1, perm)
    X = P[pattern] + (tau / math.sqrt(d)) * torch.randn(n, L, d, generator=gen)  # x_l = p_l + z_l
    return X, y.to(torch.float64), pattern


class OneLayerTransformer(torch.nn.Module):
    """Softmax self-attention over the L tokens, then a token-averaged ReLU MLP with fixed a."""

    def __init__(self, gen):
        super().__init__()
        self.W_Q = torch.nn.Parameter(delta * torch.eye(m_b, d))
        self.W_K = torch.nn.Parameter(delta * torch.eye(m_b, d))
        self.W_V = torch.nn.Parameter(delta * torch.eye(m_a, d))
        self.W_O = torch.nn.Parameter(xi * torch.randn(m, m_a, generator=gen))
        a = torch.full((m,), 1 / math.sqrt(m))
        a[m // 2:] *= -1                                                        # half +1/√m, half −1/√m
        self.register_buffer("a", a)                                            # fixed, not trained

    def forward(self, X):
        q = X @ self.W_Q.T                                   # q_l = W_Q x_l          (B, L, m_b)
        k = X @ self.W_K.T                                   # k_s = W_K x_s          (B, L, m_b)
        v = X @ self.W_V.T                                   # v_s = W_V x_s          (B, L, m_a)
        S = torch.einsum("blm,bsm->bls", q, k)               # S[l, s] = k_s · q_l    (query l, key s)
        A = torch.softmax(S, dim=-1)                         # softmax over the keys s, no 1/√m_b
        h = torch.einsum("bls,bsm->blm", A, v)               # h_l = Σ_s A[l, s] v_s  (B, L, m_a)
        g = h @ self.W_O.T                                   # g_l = W_O h_l          (B, L, m)
        return torch.relu(g).matmul(self.a).mean(dim=1)     # F = (1/L) Σ_l aᵀ ReLU(g_l)


def hinge(F, y):
    """Per-sample hinge max(0, 1 − yF); relu's subgradient at the kink is 0, as in the spec."""
    return torch.relu(1 - y * F)


def train(P, seed, steps, data_gen):
    """Train a fresh model for `steps` SGD steps; returns (model, seconds spent in the loop)."""
    model = OneLayerTransformer(torch.Generator().manual_seed(1000 + seed))
    opt = torch.optim.SGD(model.parameters(), lr=eta)    # plain SGD: no momentum, decay or clipping
    t0 = time.perf_counter()
    for _ in range(steps):
        X, y, _ = sample_batch(P, B, data_gen)           # fresh batch every step (one-pass SGD)
        loss = hinge(model(X), y).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return model, time.perf_counter() - t0


@torch.no_grad()
def evaluate(model, X, y):
    F = model(X)
    return hinge(F, y).mean().item(), (y * F <= 0).double().mean().item()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=500, help="SGD steps T per run")
    ap.add_argument("--runs", type=int, default=3, help="independent training runs (timings averaged)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    gen = torch.Generator().manual_seed(args.seed)
    P = make_patterns(gen)
    train(P, -1, 20, gen)                                 # warm-up run (allocator, kernels), discarded
    X_test, y_test, _ = sample_batch(P, N_TEST, gen)     # 1000 fresh test samples, same P

    total_time, results = 0.0, []
    for run in range(args.runs):
        model, seconds = train(P, args.seed + run, args.steps, gen)
        total_time += seconds
        results.append(evaluate(model, X_test, y_test))

    print(f"lowrank Config A, PyTorch {torch.__version__} float64, 1 thread: "
          f"{args.runs} run(s) x {args.steps} steps, B={B}")
    for run, (h, e) in enumerate(results):
        print(f"  run {run}: test hinge {h:.4f}, test error {e:.4f} ({N_TEST} fresh samples)")
    print(f"test error (mean over runs): {sum(e for _, e in results) / len(results):.4f}")
    print(f"lowrank torch training throughput: {args.runs * args.steps / total_time:.1f} SGD steps/s")


if __name__ == "__main__":
    main()
