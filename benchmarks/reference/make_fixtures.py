#!/usr/bin/env python3
"""Reference fixtures: every learner's loss, gradients and 3 SGD steps from PyTorch autograd (float64).

The llm.c discipline: an independent implementation of each learner's forward pass, differentiated by
autograd (loss.backward()), never by a hand-written backward, on tiny shapes. For each variant it
writes Tests/TrainingTests/Fixtures/<variant>.json with

  init            every trainable parameter's initial value
  fixed           the fixed (never trained) parameters the forward needs (the output layer a)
  batch           one fixed batch (tokens, ±1 labels; the graph and its batch nodes for the graph model)
  cases.<loss>    for the hinge loss (the papers') and the logistic loss, from the same init and batch:
                    loss          the batch-mean loss at init
                    outputs       the network output F (f) of each sample at init
                    grad          ∂loss/∂θ for every trainable θ at init
                    losses        the batch-mean loss before each of 3 plain-SGD steps
                    after_3_steps every trainable θ after 3 SGD steps θ ← θ − η ∂loss/∂θ on that batch
                    active        samples with a non-zero loss derivative at init
                    min_gap       the smallest distance to a non-smooth point over the 3 steps (ReLU
                                  pre-activation, hinge margin − 1, top-l / top-K score gap): the
                                  comparison is only meaningful away from those, and the generator
                                  refuses a draw where it is below GAP_MIN

The GeneralTransformer variants (transformer_*) add, per case,
                    grad.bias     ∂loss/∂bias (B×L) of the fixed score bias, if there is one (0 at the
                                  −∞ padding keys and at non-keys); the bias is not trained, so it is in
                                  no after_3_steps
                    adam          {"lr", "beta1", "beta2", "eps", "weight_decay", "losses", "after_3_steps",
                                  "min_gap"}: 3 AdamW steps from init, written out by hand (run_rule)
                    sgd_wd        {"lr", "weight_decay", "losses", "after_3_steps", "min_gap"}: 3 steps of
                                  SGD with L2 weight decay θ ← θ − η (g + λθ), η = hyper.learning_rate
and their cases.<loss>.min_gap covers all three runs (plain SGD, adam, sgd_wd). Their config holds
d, L, layers, heads, mb, m, residual, layer_norm (JSON booleans), readout ("mean" or "last"),
query_is_key, trainable_output (booleans) and B; init holds Wqkv_0 … Wqkv_{layers−1}, W_O and a when
trainable_output (else a is in fixed); fixed.bias, when present, is B×L.

Tensors are {"shape": [...], "data": [row-major floats]}; floats are written with repr (shortest
round-trip, exact in float64); −∞ (a padding key's score bias) is written as the JSON string "-inf"
(Swift: JSONDecoder's nonConformingFloatDecodingStrategy .convertFromString(positiveInfinity: "inf",
negativeInfinity: "-inf", nan: "nan") reads it into a [Double]). Variants and the Swift learners they
mirror (conventions copied from the Swift code, see each model below):

  lowrank          OneLayerTransformer (SoftmaxAttention + ReLUReadout), token-averaged readout
  icl              ICLTransformer (QueryAttention, query over the contexts only + ReLUReadout)
  graph_pe         GraphTransformer, variant gt_pe: relative PE b[dist] trained with the W's
  moe_expert       SparseMoE, expert-choice routing (top-l tokens per expert, softmax over them)
  moe_token        SparseMoE, token-choice routing (softmax over all k experts, top-K dispatch)
  transformer_mean GeneralTransformer: 2 layers × 2 heads, residual, LayerNorm, mean readout, every
                   token a key, a trained
  transformer_query GeneralTransformer: 3 layers × 2 heads, residual, no LayerNorm, last-token readout,
                   the last token never a key, a fixed, a per-sample score bias with −∞ padding keys

Deterministic: fixed seeds; the first seed whose draw is away from every kink is used (the seed is
recorded in the fixture). Regenerate with `bash scripts/make-fixtures.sh`.

Usage: python make_fixtures.py [--out Tests/TrainingTests/Fixtures] [variant ...]
"""
import argparse
import json
import math
import os
import re

import torch

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)

STEPS = 3
GAP_MIN = 1e-4          # smallest allowed distance to a ReLU kink, hinge kink or routing tie
LOSSES = ("hinge", "logistic")


# ---------------------------------------------------------------------------------------------
# Losses: Sources/Training/Loss.swift, batch mean (AttentionReadoutClassifier / SparseMoE
# .lossAndGradient divide the summed loss by B).

def per_sample_loss(name, F, y):
    margin = y * F
    if name == "hinge":
        # max(0, 1 − yF); Swift's derivative is −y only for yF < 1 strictly: relu'(0) = 0 agrees.
        return torch.relu(1 - margin)
    # log(1 + e^{−yF}) written as Swift writes it: log1p(e^{−|m|}) + max(−m, 0).
    return torch.log1p(torch.exp(-margin.abs())) + torch.relu(-margin)


def margin_gap(name, F, y):
    """Distance of the hinge margins to the kink at yF = 1 (the logistic loss has none)."""
    return (1 - y * F).abs().min().item() if name == "hinge" else math.inf


# ---------------------------------------------------------------------------------------------
# Models. Each returns (F per sample, list of quantities whose sign/order must not flip: gaps).

def relu_readout(h, W_O, a):
    """g = W_O h, aᵀ ReLU(g) per row of h (…, m_a) → (…); also the pre-activations."""
    g = h @ W_O.T
    return torch.relu(g) @ a, g


def lowrank_forward(p, fixed, batch):
    """OneLayerTransformer: F(X) = (1/L) Σ_l aᵀ ReLU(W_O Σ_s W_V x_s softmax_s(x_sᵀ W_Kᵀ W_Q x_l)).
    Softmax over the keys s, no temperature; every token is a query; readout averaged over l."""
    X = batch["x"]                                           # (B, L, d)
    q, k, v = X @ p["wQ"].T, X @ p["wK"].T, X @ p["wV"].T
    A = torch.softmax(q @ k.transpose(1, 2), dim=-1)         # A[b, l, s]
    h = A @ v                                                # (B, L, m_a)
    tok, g = relu_readout(h, p["wO"], fixed["a"])            # (B, L)
    return tok.mean(dim=1), [g.abs().min().item()]


def icl_forward(p, fixed, batch):
    """ICLTransformer (includeQuery = false): the query (last token) attends over the l contexts.
    F = aᵀ ReLU(W_O Σ_i W_V p_i softmax_i((W_K p_i)ᵀ W_Q p_query)), no 1/L (readout length 1)."""
    X = batch["x"]                                           # (B, l+1, d)
    ctx, query = X[:, :-1], X[:, -1]
    q = query @ p["wQ"].T                                    # (B, m_b)
    k, v = ctx @ p["wK"].T, ctx @ p["wV"].T                  # (B, l, ·)
    A = torch.softmax(torch.einsum("bim,bm->bi", k, q), dim=-1)
    h = torch.einsum("bi,bim->bm", A, v)
    F, g = relu_readout(h, p["wO"], fixed["a"])
    return F, [g.abs().min().item()]


def bfs_hoods(n_nodes, edges, radius):
    """T^n: every node within distance Z of n (itself at 0), with its distance."""
    adj = [[] for _ in range(n_nodes)]
    for u, v in edges:
        adj[u].append(v); adj[v].append(u)
    hoods = []
    for n in range(n_nodes):
        dist = {n: 0}
        frontier = [n]
        for z in range(1, radius + 1):
            nxt = []
            for u in frontier:
                for w in adj[u]:
                    if w not in dist:
                        dist[w] = z; nxt.append(w)
            frontier = nxt
        hoods.append(sorted(dist.items()))                   # order is irrelevant to the math
    return hoods


def graph_forward(p, fixed, batch):
    """GraphTransformer gt_pe: node n's query attends over T^n (n included, distance 0):
    F(x_n) = aᵀ ReLU(W_O Σ_{s∈T^n} W_V x_s softmax_s((W_K x_s)ᵀ(W_Q x_n) + b[dist(s, n)])).
    No padding here: the softmax runs over the members only (Swift pads with −∞ logits)."""
    X, hoods = batch["features"], batch["hoods"]
    Fs, gaps = [], []
    for n in batch["nodes"]:
        members = torch.tensor([s for s, _ in hoods[n]])
        dist = torch.tensor([z for _, z in hoods[n]])
        xs = X[members]                                      # (|T^n|, d)
        e = (xs @ p["wK"].T) @ (p["wQ"] @ X[n]) + p["pe"][dist]
        h = torch.softmax(e, dim=0) @ (xs @ p["wV"].T)
        F, g = relu_readout(h, p["wO"], fixed["a"])
        Fs.append(F); gaps.append(g.abs().min().item())
    return torch.stack(Fs), [min(gaps)]


def expert_h(W_s, a, v):
    """h_s(v) = Σ_r a_r ReLU(⟨w_{s,r}, v⟩) for the rows of v; also the pre-activations."""
    z = v @ W_s.T
    return torch.relu(z) @ a, z


def moe_expert_forward(p, fixed, batch):
    """SparseMoE expert choice: f(x) = Σ_s Σ_{j∈J_s} G_{s,j} h_s(x^(j)), J_s = the l tokens with the
    largest r_{s,j} = ⟨w_s, x^(j)⟩, G_{s,·} = softmax of r_{s,·} over J_s; no gradient through the
    selection itself (topk's values carry the gradient of the selected scores only)."""
    X, c = batch["x"], fixed["config"]
    k, m, l = c["k"], c["m"], c["l"]
    W_R, W_E, a = p["routers"], p["experts"].reshape(k, m, -1), fixed["a"]
    fs, relu_gap, tie_gap = [], math.inf, math.inf
    for b in range(X.shape[0]):
        r = X[b] @ W_R.T                                     # (n, k)
        f = 0
        for s in range(k):
            srt = r[:, s].detach().sort(descending=True).values
            tie_gap = min(tie_gap, (srt[l - 1] - srt[l]).item())
            top, J = r[:, s].topk(l)
            h, z = expert_h(W_E[s], a, X[b, J])
            relu_gap = min(relu_gap, z.abs().min().item())
            f = f + (torch.softmax(top, dim=0) * h).sum()
        fs.append(f)
    return torch.stack(fs), [relu_gap, tie_gap]


def moe_token_forward(p, fixed, batch):
    """SparseMoE token choice ("drop", every expert alive): f(x) = Σ_j Σ_{s∈E_j} π_{j,s} h_s(x^(j)),
    π_{j,·} = softmax of r_{·,j} over ALL k experts (V-MoE: gates before the top-K, not renormalised),
    E_j = the K experts with the largest r_{s,j}; no gradient through the selection."""
    X, c = batch["x"], fixed["config"]
    k, m, K = c["k"], c["m"], c["K"]
    W_R, W_E, a = p["routers"], p["experts"].reshape(k, m, -1), fixed["a"]
    fs, relu_gap, tie_gap = [], math.inf, math.inf
    for b in range(X.shape[0]):
        r = X[b] @ W_R.T                                     # (n, k)
        pi = torch.softmax(r, dim=1)
        f = 0
        for j in range(X.shape[1]):
            srt = r[j].detach().sort(descending=True).values
            tie_gap = min(tie_gap, (srt[K - 1] - srt[K]).item())
            for s in r[j].detach().topk(K).indices.tolist():
                h, z = expert_h(W_E[s], a, X[b, j:j + 1])
                relu_gap = min(relu_gap, z.abs().min().item())
                f = f + pi[j, s] * h[0]
        fs.append(f)
    return torch.stack(fs), [relu_gap, tie_gap]


def layer_norm(x):
    """Per row: (x − mean) / sqrt(var + 1e-5), biased variance (divide by d), no gain or bias."""
    mu = x.mean(dim=-1, keepdim=True)
    var = ((x - mu) ** 2).mean(dim=-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + 1e-5)


def transformer_forward(p, fixed, batch):
    """GeneralTransformer: Lyr attention layers, H heads each, then a ReLU readout.
    Layer i (Wqkv_i rows [W_Q^1..W_Q^H; W_K^1..W_K^H; W_V^1..W_V^H], W_Q^h, W_K^h mb×d, W_V^h d×d):
      Y = LN(X^i) if layer_norm else X^i
      A_h = softmax over the keys s of (Y W_Q^hᵀ)(Y W_K^hᵀ)ᵀ + bias[b, s]  (no temperature; keys: all
            L tokens if query_is_key, else the first L−1 — the last token is never a key; a −∞ bias
            gives its key weight 0)
      X^{i+1} = (X^i if residual else 0) + Σ_h A_h (Y W_V^hᵀ)
    Z = LN(X^Lyr) if layer_norm else X^Lyr; F = (1/|R|) Σ_{l∈R} aᵀ ReLU(W_O z_l), R = every row
    (readout mean) or the last row (readout last). a is trained iff trainable_output."""
    c = fixed["config"]
    X = batch["x"]                                           # (B, L, d)
    d, L, H, mb = c["d"], c["L"], c["heads"], c["mb"]
    keys = L if c["query_is_key"] else L - 1
    bias = fixed.get("bias")                                 # (B, L) or None
    for i in range(c["layers"]):
        W = p[f"Wqkv_{i}"]
        Y = layer_norm(X) if c["layer_norm"] else X
        attn = torch.zeros_like(X)
        for h in range(H):
            WQ = W[h * mb:(h + 1) * mb]
            WK = W[(H + h) * mb:(H + h + 1) * mb]
            WV = W[2 * H * mb + h * d:2 * H * mb + (h + 1) * d]
            Q = Y @ WQ.T                                     # (B, L, mb): every row is a query
            K, V = Y[:, :keys] @ WK.T, Y[:, :keys] @ WV.T    # (B, keys, ·)
            S = Q @ K.transpose(1, 2)                        # S[b, l, s]
            if bias is not None:
                S = S + bias[:, None, :keys]
            attn = attn + torch.softmax(S, dim=-1) @ V
        X = X + attn if c["residual"] else attn
    Z = layer_norm(X) if c["layer_norm"] else X
    rows = Z if c["readout"] == "mean" else Z[:, -1:]        # (B, |R|, d)
    a = p["a"] if c["trainable_output"] else fixed["a"]
    tok, g = relu_readout(rows, p["W_O"], a)                 # (B, |R|)
    return tok.mean(dim=1), [g.abs().min().item()]


# ---------------------------------------------------------------------------------------------
# Training: the same fixed batch, 3 plain-SGD steps (torch.optim.SGD without momentum, decay or
# clipping: θ ← θ − η ∂loss/∂θ; the MoE uses η_e for the experts and η_r for the routers).

def run(forward, init, fixed, batch, loss_name, rates):
    params = {n: torch.nn.Parameter(t.clone()) for n, t in init.items()}
    opt = torch.optim.SGD([{"params": [params[n]], "lr": rates[n]} for n in params])
    y = batch["labels"]
    out = {"losses": []}
    gap = math.inf
    for step in range(STEPS):
        F, gaps = forward(params, fixed, batch)
        gap = min([gap, margin_gap(loss_name, F.detach(), y)] + gaps)
        ell = per_sample_loss(loss_name, F, y)
        loss = ell.mean()
        for t in params.values():
            t.grad = torch.zeros_like(t)                     # a parameter the loss misses gets 0
        loss.backward()
        if step == 0:
            out["loss"] = loss.item()
            out["grad"] = {n: t.grad.detach().clone() for n, t in params.items()}
            # Samples whose loss derivative is non-zero (the Swift learners skip the others).
            out["active"] = [b for b in range(len(y)) if (loss_name == "logistic" or (y[b] * F[b]).item() < 1)]
            out["outputs"] = F.detach().clone()
        out["losses"].append(loss.item())
        opt.step()
    out["after_3_steps"] = {n: t.detach().clone() for n, t in params.items()}
    out["min_gap"] = gap
    return out


def tensor(t):
    t = torch.as_tensor(t, dtype=torch.float64)
    data = [float(v) if math.isfinite(v) else ("-inf" if v < 0 else "inf") for v in t.reshape(-1).tolist()]
    return {"shape": list(t.shape), "data": data}      # ±∞ (the padding bias) as the strings "-inf", "inf"


def build(forward, init, fixed, batch, rates, need_mixed_hinge):
    """Both losses from one draw, or None if a draw sits within GAP_MIN of a non-smooth point."""
    cases = {}
    for name in LOSSES:
        res = run(forward, init, fixed, batch, name, rates)
        if res["min_gap"] < GAP_MIN:
            return None
        if any(g.abs().max().item() == 0 for g in res["grad"].values()):
            return None                                      # a vacuous gradient: try another draw
        cases[name] = res
    if need_mixed_hinge:
        act = cases["hinge"]["active"]
        if not (0 < len(act) < len(batch["labels"])):
            return None                                      # want both active and skipped samples
    return cases


# The GeneralTransformer variants also record, from the same init and batch, 3 steps of SGD with L2
# weight decay and 3 steps of AdamW, both written out by hand (no torch.optim) as the Swift code has
# them, and the gradient of the (untrained) score bias.

ADAMW = {"lr": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.1}
SGD_WEIGHT_DECAY = 0.05
ADAM_GRAD_MIN = 1e-6    # smallest allowed non-zero |∂loss/∂θ| entry in the AdamW run: m̂/(√v̂ + ε) is
                        # ill-conditioned for |g| ≈ ε (a 1e-16 error in g moves it by up to 1e-16/ε)


def run_rule(forward, init, fixed, batch, loss_name, rule):
    """3 steps from init on the fixed batch, every trainable θ, g = ∂loss/∂θ (autograd):
      sgd_wd  θ ← θ − η (g + λ θ)
      adamw   t = 1, 2, 3: m ← β1 m + (1−β1) g; v ← β2 v + (1−β2) g²; m̂ = m/(1−β1^t); v̂ = v/(1−β2^t);
              θ ← θ − η (m̂ / (√v̂ + ε) + λ θ)    (m = v = 0 at t = 0)"""
    theta = {n: t.clone() for n, t in init.items()}
    mom = {n: torch.zeros_like(t) for n, t in init.items()}
    vel = {n: torch.zeros_like(t) for n, t in init.items()}
    y = batch["labels"]
    out = {"losses": []}
    gap, smallest = math.inf, math.inf
    for step in range(STEPS):
        params = {n: t.clone().requires_grad_(True) for n, t in theta.items()}
        F, gaps = forward(params, fixed, batch)
        gap = min([gap, margin_gap(loss_name, F.detach(), y)] + gaps)
        loss = per_sample_loss(loss_name, F, y).mean()
        names = list(params)
        grads = torch.autograd.grad(loss, [params[n] for n in names], allow_unused=True)
        out["losses"].append(loss.item())
        lr, lam = rule["lr"], rule["weight_decay"]
        for n, g in zip(names, grads):
            g = torch.zeros_like(theta[n]) if g is None else g.detach()
            if rule["name"] == "sgd_wd":
                theta[n] = theta[n] - lr * (g + lam * theta[n])
                continue
            nz = g.abs()[g != 0]
            if nz.numel():
                smallest = min(smallest, nz.min().item())
            t = step + 1
            b1, b2, eps = rule["beta1"], rule["beta2"], rule["eps"]
            mom[n] = b1 * mom[n] + (1 - b1) * g
            vel[n] = b2 * vel[n] + (1 - b2) * g * g
            m_hat = mom[n] / (1 - b1 ** t)
            v_hat = vel[n] / (1 - b2 ** t)
            theta[n] = theta[n] - lr * (m_hat / (torch.sqrt(v_hat) + eps) + lam * theta[n])
    out["after_3_steps"] = theta
    out["min_gap"] = gap
    out["min_abs_grad"] = smallest                           # not written: a draw check only
    return out


def bias_grad(forward, init, fixed, batch, loss_name):
    """∂loss/∂bias (B×L) at init: 0 at the −∞ (padding) keys and at the non-keys."""
    bias = fixed["bias"].clone().requires_grad_(True)
    F, _ = forward(init, dict(fixed, bias=bias), batch)
    per_sample_loss(loss_name, F, batch["labels"]).mean().backward()
    g = bias.grad.detach().clone()
    assert torch.isfinite(g).all()
    return g


def build_transformer(forward, init, fixed, batch, rates):
    """build() plus, per loss, the bias gradient and the sgd_wd / adam runs; min_gap then covers all
    three runs (plain SGD, SGD + weight decay, AdamW). None if a draw sits near a kink."""
    cases = build(forward, init, fixed, batch, rates, need_mixed_hinge=True)
    if cases is None:
        return None
    lr = rates[next(iter(rates))]
    assert all(r == lr for r in rates.values())
    for name, res in cases.items():
        if "bias" in fixed:
            res["grad"]["bias"] = bias_grad(forward, init, fixed, batch, name)
        rules = (("adam", dict(ADAMW, name="adamw")),
                 ("sgd_wd", {"name": "sgd_wd", "lr": lr, "weight_decay": SGD_WEIGHT_DECAY}))
        for key, rule in rules:
            r = run_rule(forward, init, fixed, batch, name, rule)
            if r["min_gap"] < GAP_MIN:
                return None
            if key == "adam" and r["min_abs_grad"] < ADAM_GRAD_MIN:
                return None
            res[key] = dict({k: v for k, v in rule.items() if k != "name"}, **r)
        res["min_gap"] = min(res["min_gap"], res["adam"]["min_gap"], res["sgd_wd"]["min_gap"])
    return cases


def label_from_outputs(F, gen):
    """±1 labels: the sample with the largest |F| agrees with sign(F) (hinge-inactive when |F| > 1),
    the others get random signs: a batch that exercises both the active and the skipped path."""
    y = (torch.randint(0, 2, F.shape, generator=gen) * 2 - 1).to(torch.float64)
    i = F.abs().argmax()
    y[i] = 1.0 if F[i] > 0 else -1.0
    return y


# ---------------------------------------------------------------------------------------------
# Variants: shapes, draws.

def lowrank(seed):
    gen = torch.Generator().manual_seed(seed)
    d, L, m, ma, mb, B = 6, 4, 8, 5, 4, 3                    # m_b < d, m_a < d: rectangular W's
    init = {
        "wQ": 0.7 * torch.eye(mb, d) + 0.5 * torch.randn(mb, d, generator=gen),
        "wK": 0.7 * torch.eye(mb, d) + 0.5 * torch.randn(mb, d, generator=gen),
        "wV": 0.7 * torch.eye(ma, d) + 0.5 * torch.randn(ma, d, generator=gen),
        "wO": 2.0 * torch.randn(m, ma, generator=gen),
    }
    a = torch.full((m,), 1 / math.sqrt(m)); a[m // 2:] *= -1   # readoutOutputWeights(randomSigns: false)
    fixed = {"a": a}
    batch = {"x": torch.randn(B, L, d, generator=gen)}
    F, _ = lowrank_forward(init, fixed, batch)
    batch["labels"] = label_from_outputs(F, gen)
    config = {"d": d, "L": L, "m": m, "ma": ma, "mb": mb, "B": B}
    return lowrank_forward, init, fixed, batch, config, {"learning_rate": 0.5}


def icl(seed):
    gen = torch.Generator().manual_seed(seed)
    d, l, m, ma, mb, B = 7, 4, 9, 6, 5, 4
    init = {
        "wQ": 0.8 * torch.eye(mb, d) + 0.5 * torch.randn(mb, d, generator=gen),
        "wK": 0.8 * torch.eye(mb, d) + 0.5 * torch.randn(mb, d, generator=gen),
        "wV": 0.8 * torch.eye(ma, d) + 0.5 * torch.randn(ma, d, generator=gen),
        "wO": 1.5 * torch.randn(m, ma, generator=gen),
    }
    # a = i.i.d. ±1/√m (ICLTransformer draws random signs).
    a = (torch.randint(0, 2, (m,), generator=gen) * 2 - 1).to(torch.float64) / math.sqrt(m)
    fixed = {"a": a}
    batch = {"x": torch.randn(B, l + 1, d, generator=gen)}
    F, _ = icl_forward(init, fixed, batch)
    batch["labels"] = label_from_outputs(F, gen)
    config = {"d": d, "contexts": l, "m": m, "ma": ma, "mb": mb, "B": B}
    return icl_forward, init, fixed, batch, config, {"learning_rate": 0.5}


GRAPH_EDGES = [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (5, 6), (6, 7), (7, 8), (8, 9), (9, 0),
               (0, 5), (2, 7), (3, 9)]                         # a ring of 10 with three chords


def graph_pe(seed):
    gen = torch.Generator().manual_seed(seed)
    N, d, m, Z, B = 10, 5, 6, 2, 4
    hoods = bfs_hoods(N, GRAPH_EDGES, Z)
    init = {
        "wQ": 0.7 * torch.randn(d, d, generator=gen),
        "wK": 0.7 * torch.randn(d, d, generator=gen),
        "wV": torch.eye(d) + 0.5 * torch.randn(d, d, generator=gen),
        "wO": 1.5 * torch.randn(m, d, generator=gen),
        "pe": 0.5 * torch.randn(Z + 1, generator=gen),
    }
    a = torch.full((m,), 1 / math.sqrt(m)); a[m // 2:] *= -1   # GraphTransformer: randomSigns false
    fixed = {"a": a}
    nodes = torch.randperm(N, generator=gen)[:B].tolist()
    batch = {"features": torch.randn(N, d, generator=gen), "hoods": hoods, "nodes": nodes}
    F, _ = graph_forward(init, fixed, batch)
    y_batch = label_from_outputs(F, gen)
    node_labels = (torch.randint(0, 2, (N,), generator=gen) * 2 - 1).to(torch.float64)
    node_labels[nodes] = y_batch                             # the batch nodes' labels are those above
    batch["labels"] = y_batch
    batch["node_labels"] = node_labels
    config = {"nodes": N, "d": d, "m": m, "radius": Z, "B": B,
              "maxNeighborhood": max(len(h) for h in hoods) + 1}   # one padded slot at least
    return graph_forward, init, fixed, batch, config, {"learning_rate": 0.5}


def moe(seed, routing):
    gen = torch.Generator().manual_seed(seed)
    d, n, m, l, B = 8, 5, 4, 2, 3
    k, K = (3, 2) if routing == "expert_choice" else (4, 2)
    init = {
        "routers": 1.0 * torch.randn(k, d, generator=gen),
        "experts": 1.5 * torch.randn(k * m, d, generator=gen),
    }
    a = torch.full((m,), 1 / m); a[m // 2:] *= -1             # SparseMoE: +1/m for r < m/2, −1/m after
    config = {"d": d, "n": n, "k": k, "m": m, "l": l, "K": K, "B": B}
    fixed = {"a": a, "config": config}
    batch = {"x": torch.randn(B, n, d, generator=gen)}
    fwd = moe_expert_forward if routing == "expert_choice" else moe_token_forward
    F, _ = fwd(init, fixed, batch)
    batch["labels"] = label_from_outputs(F, gen)
    return fwd, init, fixed, batch, config, {"expert_rate": 0.5, "router_rate": 0.3}


def transformer(seed, kind):
    """GeneralTransformer. "mean": 2 layers with LayerNorm, readout over every token, every token a
    key, a trained. "query": 3 layers without LayerNorm, readout of the last token, which is never a
    key, a fixed, a per-sample score bias with two −∞ (padding) keys."""
    gen = torch.Generator().manual_seed(seed)
    if kind == "mean":
        B, L, d, layers, H, mb, m = 4, 5, 4, 2, 2, 3, 6
        flags = {"residual": True, "layer_norm": True, "readout": "mean",
                 "query_is_key": True, "trainable_output": True}
        w_std, o_std, lr = 0.5, 0.5, 0.5
    else:
        B, L, d, layers, H, mb, m = 4, 6, 4, 3, 2, 2, 6
        flags = {"residual": True, "layer_norm": False, "readout": "last",
                 "query_is_key": False, "trainable_output": False}
        w_std, o_std, lr = 0.4, 0.5, 0.1
    config = dict({"d": d, "L": L, "layers": layers, "heads": H, "mb": mb, "m": m}, **flags, B=B)
    rows = 2 * H * mb + H * d                                # [W_Q^1..W_Q^H; W_K^1..W_K^H; W_V^1..W_V^H]
    init = {f"Wqkv_{i}": w_std * torch.randn(rows, d, generator=gen) for i in range(layers)}
    init["W_O"] = o_std * torch.randn(m, d, generator=gen)
    a = (torch.randint(0, 2, (m,), generator=gen) * 2 - 1).to(torch.float64) / math.sqrt(m)
    fixed = {"config": config}
    if flags["trainable_output"]:
        init["a"] = a
    else:
        fixed["a"] = a
    batch = {"x": torch.randn(B, L, d, generator=gen)}
    if kind == "query":
        bias = torch.randn(B, L, generator=gen)
        bias[:, L - 1] = 0.0                                 # the last token is never a key
        bias[0, 3] = -math.inf                               # padding keys
        bias[2, 1] = -math.inf
        fixed["bias"] = bias
    F, _ = transformer_forward(init, fixed, batch)
    batch["labels"] = label_from_outputs(F, gen)
    return transformer_forward, init, fixed, batch, config, {"learning_rate": lr}


VARIANTS = {
    "lowrank": (lowrank, "OneLayerTransformer<Double> (low-rank & sparse paper)"),
    "icl": (icl, "ICLTransformer<Double>, includeQuery = false (ICL paper)"),
    "graph_pe": (graph_pe, "GraphTransformer, variant gt_pe (graph-transformer paper)"),
    "moe_expert": (lambda s: moe(s, "expert_choice"), "SparseMoE, expert-choice routing (MoE pruning paper)"),
    "moe_token": (lambda s: moe(s, "token_choice"), "SparseMoE, token-choice routing, drop (MoE pruning paper)"),
    "transformer_mean": (lambda s: transformer(s, "mean"),
                         "GeneralTransformer<Double>: 2 layers, 2 heads, LayerNorm, residual, mean readout, a trained"),
    "transformer_query": (lambda s: transformer(s, "query"),
                          "GeneralTransformer<Double>: 3 layers, 2 heads, residual, no LayerNorm, last-token readout, "
                          "the last token never a key, score bias with −∞ padding keys, a fixed"),
}


def make(name):
    maker, description = VARIANTS[name]
    for seed in range(1, 1000):
        forward, init, fixed, batch, config, hyper = maker(seed)
        if "learning_rate" in hyper:
            rates = {n: hyper["learning_rate"] for n in init}
        else:
            rates = {"routers": hyper["router_rate"], "experts": hyper["expert_rate"]}
        if name.startswith("transformer"):
            cases = build_transformer(forward, init, fixed, batch, rates)
        else:
            cases = build(forward, init, fixed, batch, rates, need_mixed_hinge=True)
        if cases is not None:
            break
    else:
        raise SystemExit(f"{name}: no draw away from the kinks in 999 seeds")
    fx = {
        "variant": name,
        "learner": description,
        "generator": "benchmarks/reference/make_fixtures.py (PyTorch autograd, float64)",
        "seed": seed,
        "steps": STEPS,
        "config": config,
        "hyper": hyper,
        "init": {n: tensor(t) for n, t in init.items()},
        "fixed": {n: tensor(fixed[n]) for n in ("a", "bias") if n in fixed},
        "batch": {"labels": [float(v) for v in batch["labels"].tolist()]},
        "cases": {},
    }
    if name == "graph_pe":
        fx["batch"].update({
            "edges": [list(e) for e in GRAPH_EDGES],
            "features": tensor(batch["features"]),
            "node_labels": [float(v) for v in batch["node_labels"].tolist()],
            "nodes": batch["nodes"],
        })
    else:
        fx["batch"]["x"] = tensor(batch["x"])
    if name.startswith("moe"):
        fx["routing"] = "expert_choice" if name == "moe_expert" else "token_choice"
    for loss_name, res in cases.items():
        fx["cases"][loss_name] = {
            "loss": res["loss"],
            "outputs": [float(v) for v in res["outputs"].tolist()],
            "active": res["active"],
            "grad": {n: tensor(t) for n, t in res["grad"].items()},
            "losses": res["losses"],
            "after_3_steps": {n: tensor(t) for n, t in res["after_3_steps"].items()},
            "min_gap": res["min_gap"],
        }
        for key in ("adam", "sgd_wd"):
            if key in res:
                r = res[key]
                fx["cases"][loss_name][key] = dict(
                    {k: v for k, v in r.items() if k not in ("after_3_steps", "min_gap", "min_abs_grad")},
                    after_3_steps={n: tensor(t) for n, t in r["after_3_steps"].items()},
                    min_gap=r["min_gap"])
    return fx


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(here, "..", "..", "Tests", "TrainingTests", "Fixtures"))
    ap.add_argument("variants", nargs="*", default=list(VARIANTS))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for name in args.variants:
        fx = make(name)
        path = os.path.join(args.out, f"{name}.json")
        text = json.dumps(fx, indent=1)
        # One line per list of numbers (json puts every float on its own line under indent).
        text = re.sub(r'\[\s*([-+0-9.eE, \n"inf]*?)\s*\]', lambda mt: "[" + " ".join(mt.group(1).split()) + "]", text)
        with open(path, "w") as f:
            f.write(text + "\n")
        gaps = ", ".join(f"{k} {c['min_gap']:.2e} (active {len(c['active'])}/{len(fx['batch']['labels'])})"
                         for k, c in fx["cases"].items())
        print(f"{name}: seed {fx['seed']}, {os.path.getsize(path) / 1024:.1f} KB, min gap {gaps}")


if __name__ == "__main__":
    main()
