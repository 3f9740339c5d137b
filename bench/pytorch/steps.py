"""PyTorch's side of bench/pytorch.ts: the GPT step (bench/gpt-step.ts) and the conv step
(bench/conv-step.ts) written with PyTorch, timed on request so that the two frameworks take
turns within the same minutes of a shared machine.

Reads lines "WORKLOAD THREADS STEPS" (workload gpt or conv) from stdin and answers each with
one line of JSON: the milliseconds of each of STEPS steps, after one untimed step (and warm-up
steps the first time a workload runs on a thread count). Not run by CI or `pnpm bench` (no Python there).

    python bench/pytorch/steps.py   # then e.g. "gpt 1 5"
"""

import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# bench/gpt-config.ts
VOCAB, CONTEXT, WIDTH, LAYERS, HEADS, GPT_BATCH = 65, 64, 128, 4, 4, 32
CONV_BATCH = 64


class CausalSelfAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.qkv = nn.Linear(WIDTH, 3 * WIDTH)
        self.proj = nn.Linear(WIDTH, WIDTH)

    def forward(self, x):
        b, t, c = x.shape
        split = lambda z: z.view(b, t, HEADS, c // HEADS).transpose(1, 2)  # noqa: E731
        q, k, v = (split(z) for z in self.qkv(x).split(c, -1))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.proj(y.transpose(1, 2).reshape(b, t, c))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1 = nn.LayerNorm(WIDTH)
        self.attn = CausalSelfAttention()
        self.ln2 = nn.LayerNorm(WIDTH)
        self.fc = nn.Linear(WIDTH, 4 * WIDTH)
        self.fc_proj = nn.Linear(4 * WIDTH, WIDTH)

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.fc_proj(F.gelu(self.fc(self.ln2(x))))


class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.token_embedding = nn.Embedding(VOCAB, WIDTH)
        self.position_embedding = nn.Embedding(CONTEXT, WIDTH)
        self.blocks = nn.ModuleList(Block() for _ in range(LAYERS))
        self.norm = nn.LayerNorm(WIDTH)
        self.head = nn.Linear(WIDTH, VOCAB, bias=False)
        self.head.weight = self.token_embedding.weight

    def forward(self, tokens):
        x = self.token_embedding(tokens) + self.position_embedding(torch.arange(tokens.shape[1]))
        for block in self.blocks:
            x = block(x)
        return self.head(self.norm(x))


def gpt_step():
    model = GPT()
    named = list(model.named_parameters())
    decay = [p for n, p in named if p.dim() == 2 and "embedding" not in n]
    no_decay = [p for n, p in named if not (p.dim() == 2 and "embedding" not in n)]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0}],
        lr=1e-3,
        betas=(0.9, 0.99),
    )
    x = torch.randint(0, VOCAB, (GPT_BATCH, CONTEXT))
    y = torch.randint(0, VOCAB, (GPT_BATCH, CONTEXT))

    def step():
        loss = F.cross_entropy(model(x).view(-1, VOCAB), y.view(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        return loss.item()

    return step


def conv_step():
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(), nn.Linear(128, 10),
    )  # fmt: skip
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.rand(CONV_BATCH, 1, 28, 28)
    y = torch.randint(0, 10, (CONV_BATCH,))

    def step():
        optimizer.zero_grad()
        loss = F.nll_loss(F.log_softmax(model(x), 1), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def main():
    torch.manual_seed(0)
    steps = {"gpt": gpt_step(), "conv": conv_step()}
    warm = set()
    for line in sys.stdin:
        if not line.strip():
            continue
        workload, threads, count = line.split()
        torch.set_num_threads(int(threads))
        step = steps[workload]
        if (workload, threads) not in warm:
            for _ in range(3):
                step()
            warm.add((workload, threads))
        step()  # untimed, as tensortape's first step of each turn is
        times = []
        for _ in range(int(count)):
            start = time.perf_counter()
            step()
            times.append((time.perf_counter() - start) * 1000)
        print(json.dumps({"ms": times, "version": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
