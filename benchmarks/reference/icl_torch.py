#!/usr/bin/env python3
"""PyTorch reference for the ICL paper, default configuration (spec icl.md §0, §2, §3, §4).

Same data model, model and plain-SGD step as Provable's `sim bench icl`
(Sources/DataModels/ICLPrompts.swift, Sources/Training/{QueryAttention,ICLTransformer}.swift),
written the way an ML researcher would: batched einsum forward, autograd backward, torch.optim.SGD.

  Data   IDR patterns μ_j = e_j (j < M1), IDI patterns ν_k = e_{M1+k} (k < M2) in R^{d_X}.
         Input x = μ_j + κ ν_k, k uniform, κ ~ U[−0.5, 0.5] per token.
         Task (a, b): f(x) = +1 on μ_a, −1 on μ_b, a fair random ±1 on any other μ_j.
         Training tasks T_tr = the ring {(j, j+1 mod M1)}; test on the unseen tasks T \\ T_tr.
         Prompt: l contexts p_i = [x_i; y_i q] (q = e_1 of the d_Y label block), then the query
         [x_query; 0]. Each context uses μ_a w.p. α/2, μ_b w.p. α/2, else one of the other M1 − 2
         patterns (random label); the query uses μ_a or μ_b (½ each), target z = f(x_query).
  Model  F(Ψ; P) = aᵀ ReLU( W_O Σ_{i=1..l} W_V p_i · softmax_i( (W_K p_i)ᵀ W_Q p_query ) )
         the query attends over the l contexts only; no temperature, bias, LayerNorm or residual.
  Init   W_Q = W_K = W_V = δ·I, W_O ~ N(0, ξ²), a = i.i.d. ±1/√m, fixed.
  Train  hinge ℓ = max(0, 1 − zF), batch mean; plain SGD W ← W − η ∇W on W_Q, W_K, W_V, W_O;
         B fresh prompts every step, T steps.

Prints the training throughput (steps/s: prompt generation + forward + backward + update,
evaluation excluded, after a separate warm-up run) and the hinge / 0-1 error on 1000 fresh prompts
of unseen tasks with α' = 0.8, l_ts = 20 (expected ≈ 0.5 % after T = 1500; the error sits near 0.5
for the first few hundred steps, then drops abruptly).

Usage: python icl_torch.py [--steps 1500] [--runs 3] [--seed 0]
"""
import argparse
import math
import time

import torch

torch.set_num_threads(1)
torch.set_default_dtype(torch.float64)

# Default ICL configuration (spec §0).
d_X, M1, M2, d_Y = 30, 6, 24, 10   # pattern dim, # IDR patterns, # IDI patterns, label-embedding dim
d = d_X + d_Y                      # token dim (40)
KAPPA = 0.5                        # κ ~ U[−KAPPA, KAPPA]
alpha, l = 0.8, 20                 # training fraction of task-relevant contexts, # contexts
m, m_a, m_b = 64, 40, 40           # hidden neurons (rows of W_O), value dim, query/key dim
delta, xi = 0.1, 0.01              # identity-init scale δ of W_Q, W_K, W_V; std ξ of W_O entries
eta, B = 1.0, 64                   # SGD step size η, batch size B
N_TEST, ALPHA_TEST = 1000, 0.8

ALL_TASKS = [(a, b) for a in range(M1) for b in range(M1) if a != b]       # T: M1(M1 − 1) = 30 tasks
RING = [(j, (j + 1) % M1) for j in range(M1)]                              # T_tr: 6 tasks
UNSEEN = [t for t in ALL_TASKS if t not in RING]                           # T \ T_tr: 24 tasks


def sample_prompts(tasks, n, alpha, gen):
    """n prompts of tasks drawn uniformly from `tasks`: tokens (n × (l+1) × d), query last; targets z (n)."""
    tasks = torch.tensor(tasks)
    ta, tb = tasks[torch.randint(0, len(tasks), (n,), generator=gen)].unbind(1)   # task (a, b) per prompt
    ta, tb = ta[:, None], tb[:, None]
    # Contexts: role a w.p. α/2 (label +1), role b w.p. α/2 (label −1), else another IDR pattern.
    u = torch.rand(n, l, generator=gen)
    o = torch.randint(0, M1 - 2, (n, l), generator=gen)        # uniform over the M1 − 2 non-task patterns:
    o = o + (o >= torch.minimum(ta, tb)).long()                 #   skip the smaller task index,
    o = o + (o >= torch.maximum(ta, tb)).long()                 #   then the larger one
    rand_label = torch.randint(0, 2, (n, l), generator=gen) * 2 - 1
    ctx_pattern = torch.where(u < alpha / 2, ta, torch.where(u < alpha, tb, o))
    ctx_label = torch.where(u < alpha / 2, 1, torch.where(u < alpha, -1, rand_label))
    # Query: μ_a or μ_b with probability ½ each, target z = ±1.
    positive = torch.rand(n, 1, generator=gen) < 0.5
    q_pattern = torch.where(positive, ta, tb)
    z = positive[:, 0].to(torch.float64) * 2 - 1
    pattern = torch.cat([ctx_pattern, q_pattern], dim=1)                     # (n, l+1)
    # Tokens: x = μ_j + κ ν_k in the first d_X coordinates, label y·q (q = e_{d_X}) after them.
    k = torch.randint(0, M2, (n, l + 1), generator=gen)
    kappa = KAPPA * (2 * torch.rand(n, l + 1, generator=gen) - 1)
    P = torch.zeros(n, l + 1, d)
    P.scatter_(2, pattern[..., None], 1.0)                                   # μ_j = e_j
    P.scatter_(2, (M1 + k)[..., None], kappa[..., None])                     # + κ ν_k, ν_k = e_{M1+k}
    P[:, :l, d_X] = ctx_label.to(torch.float64)                              # contexts carry y_i q; query slot 0
    return P, z


class ICLTransformer(torch.nn.Module):
    """The query column attends over the l context columns, then a ReLU MLP with fixed a."""

    def __init__(self, gen):
        super().__init__()
        self.W_Q = torch.nn.Parameter(delta * torch.eye(m_b, d))
        self.W_K = torch.nn.Parameter(delta * torch.eye(m_b, d))
        self.W_V = torch.nn.Parameter(delta * torch.eye(m_a, d))
        self.W_O = torch.nn.Parameter(xi * torch.randn(m, m_a, generator=gen))
        a = (torch.randint(0, 2, (m,), generator=gen) * 2 - 1) / math.sqrt(m)  # i.i.d. ±1/√m
        self.register_buffer("a", a.to(torch.float64))                        # fixed, not trained

    def forward(self, P):
        ctx, query = P[:, :-1], P[:, -1]                     # p_1..p_l (B, l, d); p_query (B, d)
        q = query @ self.W_Q.T                               # W_Q p_query             (B, m_b)
        k = ctx @ self.W_K.T                                 # W_K p_i                 (B, l, m_b)
        v = ctx @ self.W_V.T                                 # W_V p_i                 (B, l, m_a)
        s = torch.einsum("bim,bm->bi", k, q)                 # s_i = (W_K p_i)ᵀ W_Q p_query
        attn = torch.softmax(s, dim=-1)                      # over the l contexts, no temperature
        h = torch.einsum("bi,bim->bm", attn, v)              # Σ_i W_V p_i attn_i      (B, m_a)
        return torch.relu(h @ self.W_O.T) @ self.a          # F = aᵀ ReLU(W_O h)


def hinge(F, z):
    """Per-prompt hinge max(0, 1 − zF); relu's subgradient at the kink is 0, as in the spec."""
    return torch.relu(1 - z * F)


def train(seed, steps, data_gen):
    """Train a fresh model for `steps` SGD steps on ring-task prompts; returns (model, loop seconds)."""
    model = ICLTransformer(torch.Generator().manual_seed(1000 + seed))
    opt = torch.optim.SGD(model.parameters(), lr=eta)    # plain SGD: no momentum, decay or clipping
    t0 = time.perf_counter()
    for _ in range(steps):
        P, z = sample_prompts(RING, B, alpha, data_gen)   # fresh prompts every step (online SGD)
        loss = hinge(model(P), z).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return model, time.perf_counter() - t0


@torch.no_grad()
def evaluate(model, P, z):
    F = model(P)
    return hinge(F, z).mean().item(), (z * F <= 0).double().mean().item()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=1500, help="SGD steps T per run")
    ap.add_argument("--runs", type=int, default=3, help="independent training runs (timings averaged)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    gen = torch.Generator().manual_seed(args.seed)
    train(-1, 20, gen)                                                   # warm-up run, discarded
    P_test, z_test = sample_prompts(UNSEEN, N_TEST, ALPHA_TEST, gen)     # unseen tasks, α' = 0.8

    total_time, results = 0.0, []
    for run in range(args.runs):
        model, seconds = train(args.seed + run, args.steps, gen)
        total_time += seconds
        results.append(evaluate(model, P_test, z_test))

    print(f"ICL default, PyTorch {torch.__version__} float64, 1 thread: "
          f"{args.runs} run(s) x {args.steps} steps, B={B}")
    for run, (h, e) in enumerate(results):
        print(f"  run {run}: unseen-task test hinge {h:.4f}, test error {e:.4f} ({N_TEST} prompts, α'={ALPHA_TEST})")
    print(f"test error (mean over runs): {sum(e for _, e in results) / len(results):.4f}")
    print(f"icl torch training throughput: {args.runs * args.steps / total_time:.1f} SGD steps/s")


if __name__ == "__main__":
    main()
