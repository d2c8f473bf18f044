#!/usr/bin/env python3
"""PyTorch reference for GeneralTransformer's training throughput (`sim bench transformer`).

The same model and plain-SGD step as Provable's GeneralTransformer
(Sources/Training/GeneralTransformer.swift) at the benchmark size, written the way an ML researcher
would: batched matmul forward, autograd backward, torch.optim.SGD. float64, one thread.

  Size   d = 128 (token dim), L = 64 tokens, batch B = 32, 2 layers, H = 4 heads, mb = 32
         (query/key dim per head; the value dim per head is d), m = 128 readout neurons.
  Model  for each layer i:  Y = LN(X^i)  (per token row: (x − mean) / sqrt(var + 1e-5), biased var,
                              no gain or bias)
                            Q_h = Y W_Q^hᵀ, K_h = Y W_K^hᵀ, V_h = Y W_V^hᵀ  (one Wqkv_i, rows
                              [W_Q^1..W_Q^H; W_K^1..W_K^H; W_V^1..W_V^H], (2·H·mb + H·d) × d)
                            A_h = softmax over all L keys of Q_h K_hᵀ  (no 1/√mb, no score bias;
                              queryIsKey: every token is a key)
                            X^{i+1} = X^i + Σ_h A_h V_h            (residual)
         Z = LN(X^2);  F = (1/L) Σ_l aᵀ ReLU(W_O z_l)              (readout = mean)
  Init   Wqkv_i ~ N(0, 0.05²), W_O ~ N(0, 0.05²), a = +1/√m (first half), −1/√m (second half), fixed.
  Train  logistic loss log(1 + e^{−yF}) (every sample back-propagates), batch mean; plain SGD
         θ ← θ − η ∇θ, η = 0.01, no weight decay, on every Wqkv_i and W_O.
  Data   a fresh batch every step: tokens X ~ N(0, 1) (B×L×d), labels y = ±1 (½ each), drawn with
         torch's CPU generator in place into preallocated tensors (normal_ / random_), so a step
         allocates no data tensors. The labels are random: this measures throughput, not learning.

Prints the analytic flop count per step and the training throughput (steps/s: data generation +
forward + backward + update, after warm-up steps, over at least --seconds of wall clock) with its
GFLOP/s. The last line is what benchmarks/compare reads.

Usage: python transformer_torch.py [--seconds 5] [--steps N] [--warmup 3] [--seed 0]
"""
import argparse
import math
import time

import torch

torch.set_num_threads(1)
torch.set_default_dtype(torch.float64)

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
    return torch.nn.functional.layer_norm(x, (d,), eps=EPS)   # no weight/bias; biased variance


class GeneralTransformer(torch.nn.Module):
    def __init__(self, gen):
        super().__init__()
        self.Wqkv = torch.nn.ParameterList(
            [torch.nn.Parameter(init_std * torch.randn(ROWS, d, generator=gen)) for _ in range(LAYERS)])
        self.W_O = torch.nn.Parameter(init_std * torch.randn(m, d, generator=gen))
        a = torch.full((m,), 1 / math.sqrt(m))
        a[m // 2:] *= -1                                      # half +1/√m, half −1/√m
        self.register_buffer("a", a)                          # fixed (trainableOutput = false)

    def forward(self, X):                                     # X: (B, L, d)
        n = X.shape[0]
        for W in self.Wqkv:
            qkv = layer_norm(X) @ W.T                         # (B, L, 2·H·mb + H·d)
            q = qkv[..., :H * mb].view(n, L, H, mb).transpose(1, 2)              # (B, H, L, mb)
            k = qkv[..., H * mb:2 * H * mb].view(n, L, H, mb).transpose(1, 2)    # (B, H, L, mb)
            v = qkv[..., 2 * H * mb:].view(n, L, H, d).transpose(1, 2)          # (B, H, L, d)
            A = torch.softmax(q @ k.transpose(-1, -2), dim=-1)                  # (B, H, L, L) over keys
            X = X + (A @ v).sum(dim=1)                        # residual + Σ_h A_h V_h
        g = layer_norm(X) @ self.W_O.T                        # (B, L, m)
        return torch.relu(g).matmul(self.a).mean(dim=1)      # F = (1/L) Σ_l aᵀ ReLU(W_O z_l)


def logistic(F, y):
    return torch.nn.functional.softplus(-y * F)               # log(1 + e^{−yF})


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=5.0, help="time at least this long (ignored with --steps)")
    ap.add_argument("--steps", type=int, default=0, help="time exactly this many steps instead")
    ap.add_argument("--warmup", type=int, default=3, help="untimed warm-up steps")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    gen = torch.Generator().manual_seed(args.seed)
    model = GeneralTransformer(gen)
    opt = torch.optim.SGD(model.parameters(), lr=eta)         # plain SGD: no momentum, decay or clipping
    X = torch.empty(B, L, d)                                  # data buffers, refilled in place every step
    y = torch.empty(B)

    def step():
        X.normal_(generator=gen)                              # tokens ~ N(0, 1)
        y.random_(0, 2, generator=gen).mul_(2).sub_(1)        # labels ±1
        loss = logistic(model(X), y).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss

    for _ in range(args.warmup):
        step()
    steps, t0 = 0, time.perf_counter()
    while True:
        loss = step()
        steps += 1
        elapsed = time.perf_counter() - t0
        if (args.steps > 0 and steps >= args.steps) or (args.steps <= 0 and elapsed >= args.seconds):
            break

    flops = step_flops()
    rate = steps / elapsed
    print(f"transformer d={d} L={L} B={B} layers={LAYERS} H={H} mb={mb} m={m}, logistic, SGD eta={eta}, "
          f"PyTorch {torch.__version__} float64, 1 thread: {steps} steps in {elapsed:.2f} s (last loss {loss.item():.4f})")
    print(f"analytic flops per step: {flops / 1e9:.4f} GFLOP (3 x forward matmuls); "
          f"{rate * flops / 1e9:.2f} GFLOP/s")
    print(f"transformer torch training throughput: {rate:.2f} SGD steps/s")


if __name__ == "__main__":
    main()
