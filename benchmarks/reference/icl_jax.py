#!/usr/bin/env python3
"""JAX reference for the ICL paper, default configuration (spec icl.md §0, §2, §3, §4).

The same data model, model and plain-SGD step as icl_torch.py and Provable's `sim bench icl`
(see icl_torch.py for the full statement), in float64, with the whole SGD step — fresh prompts,
forward, jax.grad backward, update — compiled into one jax.jit function.

  F(Ψ; P) = aᵀ ReLU( W_O Σ_{i=1..l} W_V p_i · softmax_i( (W_K p_i)ᵀ W_Q p_query ) ),  hinge loss,
  W ← W − η ∇W for W_Q, W_K, W_V, W_O;  a fixed (i.i.d. ±1/√m); ring training tasks.

Prints the training throughput (steps/s after a compile + warm-up run) and the hinge / 0-1 error on
1000 fresh prompts of unseen tasks, α' = 0.8, l_ts = 20 (expected ≈ 0.5 % after T = 1500).

Usage: python icl_jax.py [--steps 1500] [--runs 3] [--seed 0]
"""
import argparse
import math
import time

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402

# Default ICL configuration (spec §0).
d_X, M1, M2, d_Y = 30, 6, 24, 10   # pattern dim, # IDR patterns, # IDI patterns, label-embedding dim
d = d_X + d_Y                      # token dim (40)
KAPPA = 0.5                        # κ ~ U[−KAPPA, KAPPA]
alpha, l = 0.8, 20                 # training fraction of task-relevant contexts, # contexts
m, m_a, m_b = 64, 40, 40           # hidden neurons, value dim, query/key dim
delta, xi = 0.1, 0.01              # identity-init scale δ; W_O init std ξ
eta, B = 1.0, 64                   # SGD step size η, batch size B
N_TEST, ALPHA_TEST = 1000, 0.8

ALL_TASKS = [(a, b) for a in range(M1) for b in range(M1) if a != b]       # T: 30 tasks
RING = jnp.array([(j, (j + 1) % M1) for j in range(M1)])                   # T_tr: 6 tasks
UNSEEN = jnp.array([t for t in ALL_TASKS if t not in [tuple(r) for r in RING.tolist()]])   # 24 tasks


def sample_prompts(tasks, key, n, alpha):
    """n prompts of tasks drawn uniformly from `tasks`: tokens (n × (l+1) × d), query last; targets z."""
    ks = jax.random.split(key, 7)
    ta, tb = tasks[jax.random.randint(ks[0], (n,), 0, tasks.shape[0])].T     # task (a, b) per prompt
    ta, tb = ta[:, None], tb[:, None]
    # Contexts: role a w.p. α/2 (label +1), role b w.p. α/2 (label −1), else another IDR pattern.
    u = jax.random.uniform(ks[1], (n, l))
    o = jax.random.randint(ks[2], (n, l), 0, M1 - 2)           # uniform over the M1 − 2 non-task patterns
    o = o + (o >= jnp.minimum(ta, tb))
    o = o + (o >= jnp.maximum(ta, tb))
    rand_label = jax.random.rademacher(ks[3], (n, l), dtype=jnp.float64)
    ctx_pattern = jnp.where(u < alpha / 2, ta, jnp.where(u < alpha, tb, o))
    ctx_label = jnp.where(u < alpha / 2, 1.0, jnp.where(u < alpha, -1.0, rand_label))
    # Query: μ_a or μ_b with probability ½ each, target z = ±1.
    z = jax.random.rademacher(ks[4], (n,), dtype=jnp.float64)
    q_pattern = jnp.where(z[:, None] > 0, ta, tb)
    pattern = jnp.concatenate([ctx_pattern, q_pattern], axis=1)                        # (n, l+1)
    # Tokens: x = μ_j + κ ν_k (μ_j = e_j, ν_k = e_{M1+k}), label y·q (q = e_{d_X}), query slot 0.
    k = jax.random.randint(ks[5], (n, l + 1), 0, M2)
    kappa = jax.random.uniform(ks[6], (n, l + 1), minval=-KAPPA, maxval=KAPPA)
    eye = jnp.eye(d)
    P = eye[pattern] + kappa[..., None] * eye[M1 + k]
    label = jnp.concatenate([ctx_label, jnp.zeros((n, 1))], axis=1)
    P = P.at[:, :, d_X].set(label)
    return P, z


def init_params(key):
    """Trained weights Ψ = {W_Q, W_K, W_V, W_O}, and the fixed output layer a."""
    k_o, k_a = jax.random.split(key)
    params = {
        "W_Q": delta * jnp.eye(m_b, d),
        "W_K": delta * jnp.eye(m_b, d),
        "W_V": delta * jnp.eye(m_a, d),
        "W_O": xi * jax.random.normal(k_o, (m, m_a)),
    }
    a = jax.random.rademacher(k_a, (m,), dtype=jnp.float64) / math.sqrt(m)      # i.i.d. ±1/√m
    return params, a


def forward(params, a, P):
    ctx, query = P[:, :-1], P[:, -1]                         # p_1..p_l (B, l, d); p_query (B, d)
    q = query @ params["W_Q"].T                              # W_Q p_query             (B, m_b)
    k = ctx @ params["W_K"].T                                # W_K p_i                 (B, l, m_b)
    v = ctx @ params["W_V"].T                                # W_V p_i                 (B, l, m_a)
    s = jnp.einsum("bim,bm->bi", k, q)                       # s_i = (W_K p_i)ᵀ W_Q p_query
    attn = jax.nn.softmax(s, axis=-1)                        # over the l contexts, no temperature
    h = jnp.einsum("bi,bim->bm", attn, v)                    # Σ_i W_V p_i attn_i
    return jax.nn.relu(h @ params["W_O"].T) @ a              # F = aᵀ ReLU(W_O h)


def hinge(F, z):
    return jnp.maximum(0.0, 1.0 - z * F)                     # max(0, 1 − zF)


def loss_fn(params, a, P, z):
    return hinge(forward(params, a, P), z).mean()


@jax.jit
def train_step(params, a, data_key, step):
    """One SGD step on fresh ring-task prompts drawn from fold_in(data_key, step) inside the jit."""
    P, z = sample_prompts(RING, jax.random.fold_in(data_key, step), B, alpha)
    grads = jax.grad(loss_fn)(params, a, P, z)
    return jax.tree_util.tree_map(lambda w, dw: w - eta * dw, params, grads)


def train(init_key, data_key, steps):
    params, a = init_params(init_key)
    jax.block_until_ready(params)
    t0 = time.perf_counter()
    for t in range(steps):
        params = train_step(params, a, data_key, t)
    jax.block_until_ready(params)
    return params, a, time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=1500, help="SGD steps T per run")
    ap.add_argument("--runs", type=int, default=3, help="independent training runs (timings averaged)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    root = jax.random.PRNGKey(args.seed)
    k_test, k_warm, k_runs = jax.random.split(root, 3)
    train(k_warm, k_warm, 20)                                # compile + warm-up, discarded
    P_test, z_test = sample_prompts(UNSEEN, k_test, N_TEST, ALPHA_TEST)   # unseen tasks, α' = 0.8

    total_time, results = 0.0, []
    for run in range(args.runs):
        k_init, k_data = jax.random.split(jax.random.fold_in(k_runs, run))
        params, a, seconds = train(k_init, k_data, args.steps)
        total_time += seconds
        F = forward(params, a, P_test)
        results.append((float(hinge(F, z_test).mean()), float((z_test * F <= 0).mean())))

    print(f"ICL default, JAX {jax.__version__} float64 (jit), {jax.default_backend()}: "
          f"{args.runs} run(s) x {args.steps} steps, B={B}")
    for run, (h, e) in enumerate(results):
        print(f"  run {run}: unseen-task test hinge {h:.4f}, test error {e:.4f} ({N_TEST} prompts, α'={ALPHA_TEST})")
    print(f"test error (mean over runs): {sum(e for _, e in results) / len(results):.4f}")
    print(f"icl jax training throughput: {args.runs * args.steps / total_time:.1f} SGD steps/s")


if __name__ == "__main__":
    main()
