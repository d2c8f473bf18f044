#!/usr/bin/env python3
"""PyTorch reference for the MoE expert-pruning paper, Config A (spec moe-pruning.md §2, §3, §4).

Same data model, constructed checkpoint, model and plain-SGD step as Provable's `sim bench moe`
(Sources/DataModels/MoETokens.swift, Sources/Training/SparseMoE.swift,
Sources/Papers/MoE/MoEBench.swift), written the way an ML researcher would: batched einsum
forward, torch.topk routing, autograd backward, torch.optim.SGD with two parameter groups.

  Data   d = 100 coordinates; patterns are the standard basis. y = ±1 (½ each); one feature token
         (o1 = e_0 for y = +1, o2 = e_1 for y = −1) at a uniform position among the n = 16 tokens;
         every other token is a background pattern e_c, c uniform in {2, …, d−1} with replacement;
         noise N(0, σ_tok²/d) on every coordinate of every token, σ_tok = 0.5.
  Init   the constructed "pre-trained" state (§2.4): routers w_s ~ N(0, (0.1²/d) I), hidden weights
         w_{s,r} ~ N(0, (1/d) I); experts 0–3 are important (0, 1 specialise in o1; 2, 3 in o2):
         w_s += α e_{o(s)} + ε_bg Σ_{background c} e_c (α = 1, ε_bg = 0.05); experts 4–7 are
         task-irrelevant: w_s += α_u u, u_c ~ U[0.5, 1] on the background, ‖u‖ = 1, α_u ~ U[0.5, 3].
  Model  expert choice, l = 2 tokens per expert:
           f(x) = Σ_s Σ_{j ∈ J_s} G_{s,j} h_s(x^(j)),  J_s = top-l tokens of r_{s,j} = ⟨w_s, x^(j)⟩,
           G_{s,·} = softmax of r_{s,·} over J_s,  h_s(v) = Σ_r a_r ReLU(⟨w_{s,r}, v⟩),
           a_r = +1/m (r < m/2), −1/m otherwise, fixed; k = 8 experts, m = 10 neurons each.
         No gradient flows through the top-l selection (it is piecewise constant).
  Train  hinge ℓ = max(0, 1 − yf), batch mean; plain SGD with η_e = 0.5 on the hidden weights and
         η_r = 0.5 on the routers; a fresh batch of B = 16 samples every step, T = 800 steps, each
         run fine-tuning a freshly constructed checkpoint.

Prints the training throughput (steps/s: data generation + forward + backward + update, evaluation
and checkpoint construction excluded, after a separate warm-up run) and the test hinge / 0-1 error
on 2000 fresh samples (expected: both 0 after T = 800; the spec's Config A reaches 100 % test
accuracy from t ≈ 50 on).

Usage: python moe_torch.py [--steps 800] [--runs 10] [--seed 0]
"""
import argparse
import math
import time

import torch

torch.set_num_threads(1)
torch.set_default_dtype(torch.float64)

# Config A (spec §4, "Default Config A").
d, n = 100, 16                # token dim (patterns e_0 … e_{d−1}), tokens per sample
sigma_tok = 0.5               # per-coordinate token noise N(0, σ_tok²/d): ‖noise‖ ≈ σ_tok
k, m, l = 8, 10, 2            # experts, hidden neurons per expert, tokens per expert (expert choice)
ipf = 2                       # important experts per relevant feature: 4 important, γ = 0.5
alpha, eps_bg = 1.0, 0.05     # router weight on an important expert's feature / on each background coordinate
alpha_u = (0.5, 3.0)          # α_u ~ U[0.5, 3]: norms of the task-irrelevant routers (heterogeneous)
router_noise, expert_scale = 0.1, 1.0   # init sd × √d of routers / hidden weights
eta_e, eta_r, B = 0.5, 0.5, 16          # expert / router step sizes, batch size
N_TEST = 2000                 # test samples (Provable's n_test default)
FEATURE = (0, 1)              # coordinate of o1 (y = +1) and o2 (y = −1)
BACKGROUND = torch.arange(2, d)         # the M = d − 2 task-irrelevant coordinates


def sample_batch(n_samples, gen):
    """n_samples fresh samples: tokens X (n_samples×n×d), labels y (n_samples), pattern coordinate per token."""
    y = torch.randint(0, 2, (n_samples,), generator=gen) * 2 - 1                  # ±1, balanced
    coord = BACKGROUND[torch.randint(0, len(BACKGROUND), (n_samples, n), generator=gen)]
    pos = torch.randint(0, n, (n_samples,), generator=gen)                        # where the feature token sits
    coord[torch.arange(n_samples), pos] = torch.where(y > 0, FEATURE[0], FEATURE[1])
    X = (sigma_tok / math.sqrt(d)) * torch.randn(n_samples, n, d, generator=gen)  # noise on every coordinate
    X += torch.nn.functional.one_hot(coord, d)                                    # x_j = e_{c_j} + noise
    return X, y.to(torch.float64), coord


def constructed_checkpoint(gen):
    """The constructed pre-trained state of §2.4: routers W_R (k×d), hidden weights W_E (k×m×d)."""
    W_R = (router_noise / math.sqrt(d)) * torch.randn(k, d, generator=gen)
    W_E = (expert_scale / math.sqrt(d)) * torch.randn(k, m, d, generator=gen)
    n_imp = 2 * ipf
    for s in range(k):
        if s < n_imp:                                   # important: a specialist of feature ⌊s/ipf⌋
            W_R[s, FEATURE[s // ipf]] += alpha
            W_R[s, BACKGROUND] += eps_bg
        else:                                           # task-irrelevant: background only, norm α_u
            u = 0.5 + 0.5 * torch.rand(len(BACKGROUND), generator=gen)
            a_u = alpha_u[0] + (alpha_u[1] - alpha_u[0]) * torch.rand((), generator=gen)
            W_R[s, BACKGROUND] += a_u * u / u.norm()
    return W_R, W_E


class SparseMoE(torch.nn.Module):
    """One MoE layer: k routers, k two-layer ReLU experts with fixed ±1/m output weights, expert choice."""

    def __init__(self, W_R, W_E):
        super().__init__()
        self.W_R = torch.nn.Parameter(W_R.clone())      # routers w_s                    (k, d)
        self.W_E = torch.nn.Parameter(W_E.clone())      # hidden weights w_{s,r}         (k, m, d)
        a = torch.full((m,), 1 / m)
        a[m // 2:] *= -1                                # half +1/m, half −1/m
        self.register_buffer("a", a)                    # fixed, not trained

    def forward(self, X):
        r = torch.einsum("bnd,kd->bkn", X, self.W_R)    # r_{s,j} = ⟨w_s, x^(j)⟩          (B, k, n)
        r_top, J = r.topk(l, dim=-1)                    # J_s: the l highest-scoring tokens (B, k, l)
        G = torch.softmax(r_top, dim=-1)                # gates over J_s
        Xs = X[torch.arange(X.shape[0])[:, None, None], J]              # x^(j), j ∈ J_s     (B, k, l, d)
        z = torch.einsum("bkld,krd->bklr", Xs, self.W_E)                 # ⟨w_{s,r}, x^(j)⟩  (B, k, l, m)
        h = torch.relu(z) @ self.a                      # h_s(x^(j))                      (B, k, l)
        return (G * h).sum(dim=(1, 2))                  # f = Σ_s Σ_{j∈J_s} G_{s,j} h_s(x^(j))


def hinge(f, y):
    """Per-sample hinge max(0, 1 − yf); relu's subgradient at the kink is 0, as in the spec."""
    return torch.relu(1 - y * f)


def train(seed, steps, data_gen):
    """Fine-tune a fresh constructed checkpoint for `steps` SGD steps; returns (model, seconds in the loop)."""
    model = SparseMoE(*constructed_checkpoint(torch.Generator().manual_seed(1000 + seed)))
    opt = torch.optim.SGD([{"params": [model.W_E], "lr": eta_e},        # plain SGD: no momentum,
                           {"params": [model.W_R], "lr": eta_r}])       # decay or clipping
    t0 = time.perf_counter()
    for _ in range(steps):
        X, y, _ = sample_batch(B, data_gen)             # fresh batch every step (one-pass SGD)
        loss = hinge(model(X), y).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return model, time.perf_counter() - t0


@torch.no_grad()
def evaluate(model, X, y):
    f = model(X)
    return hinge(f, y).mean().item(), (y * f <= 0).double().mean().item()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=800, help="SGD steps T per run")
    ap.add_argument("--runs", type=int, default=10, help="independent fine-tuning runs (timings averaged)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    gen = torch.Generator().manual_seed(args.seed)
    train(-1, 100, gen)                                  # warm-up run (allocator, kernels), discarded
    X_test, y_test, _ = sample_batch(N_TEST, gen)        # 2000 fresh test samples

    total_time, results = 0.0, []
    for run in range(args.runs):
        model, seconds = train(args.seed + run, args.steps, gen)
        total_time += seconds
        results.append(evaluate(model, X_test, y_test))

    print(f"moe Config A, PyTorch {torch.__version__} float64, 1 thread: "
          f"{args.runs} run(s) x {args.steps} steps, B={B}, expert choice l={l}")
    for run, (h, e) in enumerate(results):
        print(f"  run {run}: test hinge {h:.4f}, test error {e:.4f} ({N_TEST} fresh samples)")
    print(f"test error (mean over runs): {sum(e for _, e in results) / len(results):.4f}")
    print(f"moe torch training throughput: {args.runs * args.steps / total_time:.1f} SGD steps/s")


if __name__ == "__main__":
    main()
