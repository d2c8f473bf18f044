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

Tensors are {"shape": [...], "data": [row-major floats]}; floats are written with repr (shortest
round-trip, exact in float64). Variants and the Swift learners they mirror (conventions copied from
the Swift code, see each model below):

  lowrank          OneLayerTransformer (SoftmaxAttention + ReLUReadout), token-averaged readout
  icl              ICLTransformer (QueryAttention, query over the contexts only + ReLUReadout)
  graph_pe         GraphTransformer, variant gt_pe: relative PE b[dist] trained with the W's
  moe_expert       SparseMoE, expert-choice routing (top-l tokens per expert, softmax over them)
  moe_token        SparseMoE, token-choice routing (softmax over all k experts, top-K dispatch)

Deterministic: fixed seeds; the first seed whose draw is away from every kink is used (the seed is
recorded in the fixture). Regenerate with `bash scripts/make-fixtures.sh`.

Usage: python make_fixtures.py [--out Tests/TrainingTests/Fixtures]
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
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


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


VARIANTS = {
    "lowrank": (lowrank, "OneLayerTransformer<Double> (low-rank & sparse paper)"),
    "icl": (icl, "ICLTransformer<Double>, includeQuery = false (ICL paper)"),
    "graph_pe": (graph_pe, "GraphTransformer, variant gt_pe (graph-transformer paper)"),
    "moe_expert": (lambda s: moe(s, "expert_choice"), "SparseMoE, expert-choice routing (MoE pruning paper)"),
    "moe_token": (lambda s: moe(s, "token_choice"), "SparseMoE, token-choice routing, drop (MoE pruning paper)"),
}


def make(name):
    maker, description = VARIANTS[name]
    for seed in range(1, 1000):
        forward, init, fixed, batch, config, hyper = maker(seed)
        if "learning_rate" in hyper:
            rates = {n: hyper["learning_rate"] for n in init}
        else:
            rates = {"routers": hyper["router_rate"], "experts": hyper["expert_rate"]}
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
        "fixed": {"a": tensor(fixed["a"])},
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
        text = re.sub(r"\[\s*([-+0-9.eE, \n]*?)\s*\]", lambda mt: "[" + " ".join(mt.group(1).split()) + "]", text)
        with open(path, "w") as f:
            f.write(text + "\n")
        gaps = ", ".join(f"{k} {c['min_gap']:.2e} (active {len(c['active'])}/{len(fx['batch']['labels'])})"
                         for k, c in fx["cases"].items())
        print(f"{name}: seed {fx['seed']}, {os.path.getsize(path) / 1024:.1f} KB, min gap {gaps}")


if __name__ == "__main__":
    main()
