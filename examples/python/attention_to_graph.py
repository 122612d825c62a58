"""From attention weights to a causal graph in three lines (the package's Python guide shows more).

With PyTorch installed, a tiny self-attention layer (seeded, untrained) supplies [heads, n, n]
weights and the script reads one PAG per head; without it, the bundled 8-token head that
examples/attention_scm.cpp learned on a known SCM is read, with token T1 hidden, as
examples/attention_graph.cpp does (which also prints the true PAG and the distance to it).

    python3 examples/python/attention_to_graph.py [examples/data]
"""

import os
import sys

import numpy as np

import causalattn


def attention_from_torch():
    """[heads, n, n] weights of a seeded 2-head attention layer over 6 random tokens, or None."""
    try:
        import torch
    except ImportError:
        return None
    torch.manual_seed(7)
    layer = torch.nn.MultiheadAttention(embed_dim=16, num_heads=2, batch_first=True)
    tokens = torch.randn(1, 6, 16)
    _, weights = layer(tokens, tokens, tokens, need_weights=True, average_attn_weights=False)
    return weights[0].detach().numpy().astype(np.float64)  # [heads, n, n]


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else "examples/data"
    heads = attention_from_torch()
    if heads is not None:
        consensus = causalattn.attention_graph(heads, samples=16)  # the embedding width
        print("PAG of head 0:\n", consensus.heads[0].graph)
        print("edge frequency over the heads:\n", consensus.edge_frequency)
        return
    attention = np.load(os.path.join(data, "attention", "scm_attention.npy"))
    pag = causalattn.attention_graph(attention, nodes=[0, 2, 3, 4, 5, 6, 7], samples=10240)
    print("FCI with T1 hidden (%d tests), causal-learn's endpoint matrix:" % pag.tests)
    print(pag.names)
    print(pag.graph)
    print(pag.to_dot())


if __name__ == "__main__":
    main()
