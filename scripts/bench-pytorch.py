"""The bench's reference: vae-lab's models and evaluation in PyTorch, driven by `npm run bench`.

The same computations as the library's on the same machine: a training step of the MLP VAE
(784-400-20, the pytorch/examples recipe) and of the convolutional VAE (stride-2 3x3 convolutions
with 32 and 64 filters, a dense layer of 400, 20 latent dimensions, transposed convolutions back),
each with binary cross-entropy summed over pixels plus the closed-form KL, the gradient's global
norm, Adam 1e-3 and batch 128; and the IWAE estimate with k importance samples per image, one image
at a time. Pixels are random numbers in [0, 1] and weights PyTorch's own initialisation: the time of
these dense computations does not depend on the values.

Usage: python3 scripts/bench-pytorch.py THREADS. It prints one JSON line about itself (torch's
version, threads, and the kernel OpenBLAS chose), then answers one JSON line per request read from
stdin: {"do": "model", "arch": "mlp" | "conv"}, {"do": "steps", "n": N} (ms and CPU ms of each step) and
{"do": "iwae", "images": N, "k": K} (ms and CPU ms for N images).
"""
import ctypes
import json
import math
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

BATCH = 128
LATENT = 20


class MlpVae(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(784, 400), nn.ReLU(), nn.Linear(400, 2 * LATENT))
        self.decoder = nn.Sequential(nn.Linear(LATENT, 400), nn.ReLU(), nn.Linear(400, 784))


class ConvVae(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Unflatten(1, (1, 28, 28)),
            nn.Conv2d(1, 32, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(7 * 7 * 64, 400), nn.ReLU(), nn.Linear(400, 2 * LATENT),
        )
        self.decoder = nn.Sequential(
            nn.Linear(LATENT, 400), nn.ReLU(), nn.Linear(400, 7 * 7 * 64), nn.ReLU(),
            nn.Unflatten(1, (64, 7, 7)),
            nn.ConvTranspose2d(64, 64, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
            nn.ConvTranspose2d(64, 32, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
            nn.ConvTranspose2d(32, 1, 3, stride=1, padding=1), nn.Flatten(),
        )


def encode(model, x):
    mu, log_var = model.encoder(x).chunk(2, dim=1)
    return mu, log_var


def step(model, optimizer, x):
    """One training step as vae-lab's trainStep: loss, its parts and the gradient norm read back."""
    optimizer.zero_grad()
    mu, log_var = encode(model, x)
    z = mu + torch.randn_like(mu) * torch.exp(0.5 * log_var)
    logits = model.decoder(z)
    recon = F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(1).mean()
    kl = (0.5 * (log_var.exp() + mu.pow(2) - 1 - log_var)).sum(1).mean()
    loss = recon + kl
    loss.backward()
    grad_norm = torch.sqrt(sum(p.grad.pow(2).sum() for p in model.parameters()))
    numbers = torch.stack([loss, recon, kl, grad_norm]).tolist()
    optimizer.step()
    return numbers


@torch.no_grad()
def iwae_bound(model, x, k):
    """log (1/k) sum_i p(x|z_i) p(z_i) / q(z_i|x) of one image x [1, 784], as vae-lab's iwaeBound."""
    mu, log_var = encode(model, x)
    eps = torch.randn(k, LATENT)
    z = mu + torch.exp(0.5 * log_var) * eps
    logits = model.decoder(z)
    log_px_z = (x * logits - F.softplus(logits)).sum(1)
    log_pz = -0.5 * (z.pow(2) + math.log(2 * math.pi)).sum(1)
    log_qz = -0.5 * (eps.pow(2) + log_var + math.log(2 * math.pi)).sum(1)
    return torch.logsumexp(log_px_z + log_pz - log_qz, 0) - math.log(k)


def openblas_kernel():
    """The core type OpenBLAS chose (it reads OPENBLAS_CORETYPE when set), from the loaded library."""
    with open("/proc/self/maps") as maps:
        libraries = sorted({line.split()[-1] for line in maps if "openblas" in line})
    for path in libraries:
        try:
            library = ctypes.CDLL(path)
            library.openblas_get_corename.restype = ctypes.c_char_p
            library.openblas_get_config.restype = ctypes.c_char_p
            return f"{library.openblas_get_corename().decode()} ({library.openblas_get_config().decode()})"
        except (OSError, AttributeError):
            continue
    return "no OpenBLAS loaded (another BLAS)"


def main():
    threads = int(sys.argv[1])
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    x = torch.rand(BATCH, 784)
    model, optimizer = None, None
    print(json.dumps({"torch": torch.__version__, "threads": threads, "openblas": openblas_kernel()}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        if request["do"] == "model":
            model = MlpVae() if request["arch"] == "mlp" else ConvVae()
            optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
            answer = {}
        elif request["do"] == "steps":
            times, cpu, losses = [], [], []
            for _ in range(request["n"]):
                start, cpu_start = time.perf_counter(), time.process_time()
                losses.append(step(model, optimizer, x)[0])
                times.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - cpu_start) * 1000)
            answer = {"times": times, "cpu": cpu, "losses": losses}
        else:
            start, cpu_start = time.perf_counter(), time.process_time()
            for i in range(request["images"]):
                iwae_bound(model, x[i : i + 1].bernoulli(), request["k"]).item()
            answer = {"ms": (time.perf_counter() - start) * 1000, "cpu": (time.process_time() - cpu_start) * 1000}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
