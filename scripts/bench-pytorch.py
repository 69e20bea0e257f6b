"""The reference VAE's training step in PyTorch, timed on this machine for `npm run bench`.

The pytorch/examples recipe (784-400-20-400-784, binary cross-entropy summed over pixels plus the
closed-form KL, Adam 1e-3, batch 128), on one batch of pixels in [0, 1] like MNIST's. Prints one
JSON line: {"torch": version, "threads": n, "ms": median ms per step, "steps": steps timed}.
Usage: python3 scripts/bench-pytorch.py THREADS
"""
import json
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn


class Vae(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden, self.mu, self.log_var = nn.Linear(784, 400), nn.Linear(400, 20), nn.Linear(400, 20)
        self.dec_hidden, self.dec_out = nn.Linear(20, 400), nn.Linear(400, 784)

    def forward(self, x):
        h = F.relu(self.hidden(x))
        mu, log_var = self.mu(h), self.log_var(h)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * log_var)
        return self.dec_out(F.relu(self.dec_hidden(z))), mu, log_var


def main():
    threads = int(sys.argv[1])
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    model = Vae()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.rand(128, 784)
    warm_up, timed = 50, 300
    times = []
    for step in range(warm_up + timed):
        start = time.perf_counter()
        optimizer.zero_grad()
        logits, mu, log_var = model(x)
        recon = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
        kl = 0.5 * torch.sum(log_var.exp() + mu.pow(2) - 1 - log_var)
        ((recon + kl) / x.shape[0]).backward()
        optimizer.step()
        if step >= warm_up:
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    print(json.dumps({"torch": torch.__version__, "threads": threads, "ms": times[len(times) // 2], "steps": timed}))


if __name__ == "__main__":
    main()
