"""What every PyTorch training command shares: the precision, a resumable loop, a progress bar.

Two CPU cores are all propscan's users have, so a fit must use the CPU's bf16 units where it has
them (AVX512_BF16, AMX: 2-3x the fp32 rate), survive a stop (SIGTERM, Ctrl-C, a closed laptop)
and continue where it was, and say how long it has left. The loop here owns all three, so each
trainer only says how an epoch's batches are drawn and what one step's loss is.

A resumed run ends with the very weights an uninterrupted one would: the checkpoint holds the
weights, the averaged weights, the optimizer and scheduler, every random state (python, numpy,
torch) as they were at the start of the epoch (to draw its batches again) and at the stop, and
the position in the epoch. Weights and optimizer state stay fp32; bf16 is autocast only.
"""

from __future__ import annotations

import logging
import os
import random
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..errors import InputError, PropscanError

log = logging.getLogger("propscan.train")

PRECISIONS = ("auto", "fp32", "bf16")
BF16_FLAGS = ("avx512_bf16", "amx_bf16")  # /proc/cpuinfo flags of CPUs with bf16 arithmetic
CHECKPOINT_EVERY = 600.0  # seconds between checkpoints inside an epoch (one is written at each epoch's end too)


class Interrupted(PropscanError):
    """A fit stopped by SIGTERM or Ctrl-C after writing its checkpoint."""

    code = "E130"
    exit_code = 130


# --- precision ---------------------------------------------------------------------------------

def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> set[str]:
    """The CPU's feature flags (empty where /proc/cpuinfo is not there: not Linux)."""
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags") and ":" in line:
            return set(line.split(":", 1)[1].split())
    return set()


def has_bf16(flags: set[str]) -> bool:
    return any(f in flags for f in BF16_FLAGS)


def choose_precision(requested: str = "auto", flags: set[str] | None = None) -> str:
    """"bf16" or "fp32". auto takes bf16 only on a CPU with bf16 arithmetic: elsewhere it is emulated
    and slower than fp32. An explicit bf16 on such a CPU is honoured, with a warning."""
    if requested not in PRECISIONS:
        raise InputError(f"--precision must be one of {', '.join(PRECISIONS)}, got {requested!r}")
    flags = cpu_flags() if flags is None else flags
    if requested == "auto":
        return "bf16" if has_bf16(flags) else "fp32"
    if requested == "bf16" and not has_bf16(flags):
        log.warning("this CPU has no bf16 arithmetic (%s): bf16 will be emulated and slower than fp32",
                    " or ".join(BF16_FLAGS))
    return requested


def autocast(precision: str):
    """Mixed precision for the forward pass: matmuls in bf16, weights and their updates in fp32."""
    return torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16")


# --- random states ---------------------------------------------------------------------------

@dataclass
class Randomness:
    """The generators a trainer draws from, seeded once; their states go into every checkpoint."""

    seed: int
    py: random.Random = field(init=False)
    np: np.random.Generator = field(init=False)

    def __post_init__(self):
        random.seed(self.seed)
        np.random.seed(self.seed)
        torch.manual_seed(self.seed)
        self.py = random.Random(self.seed)
        self.np = np.random.default_rng(self.seed)

    def state(self) -> dict:
        legacy = np.random.get_state()
        return {"py": self.py.getstate(), "np": self.np.bit_generator.state, "torch": torch.get_rng_state(),
                "global_py": random.getstate(), "global_np": [legacy[0], torch.from_numpy(legacy[1].astype(np.int64)),
                                                              *legacy[2:]]}

    def restore(self, state: dict) -> None:
        self.py.setstate(_tuples(state["py"]))
        self.np.bit_generator.state = state["np"]
        torch.set_rng_state(state["torch"])
        random.setstate(_tuples(state["global_py"]))
        name, key, *rest = state["global_np"]
        np.random.set_state((name, key.numpy().astype(np.uint32), *rest))


def _tuples(value):
    """random.setstate wants the tuples a checkpoint may have stored as lists."""
    return tuple(_tuples(v) for v in value) if isinstance(value, (list, tuple)) else value


# --- the loop --------------------------------------------------------------------------------

class StopRequest:
    """SIGTERM / SIGINT set a flag the loop reads after each step, so the step in flight finishes
    and the checkpoint is whole. A second one stops at once (the last checkpoint written stays whole:
    checkpoints are renamed into place)."""

    def __init__(self):
        self.signal: int | None = None
        self._old: dict[int, Any] = {}

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():  # signal handlers live there only
            for sig in (signal.SIGTERM, signal.SIGINT):
                self._old[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum, frame) -> None:
        if self.signal is not None:
            raise KeyboardInterrupt
        log.warning("stopping after this step (signal %d): writing a checkpoint; again to stop at once", signum)
        self.signal = signum

    def __exit__(self, *exc) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)


@dataclass
class Fit:
    """One resumable fit. ``batches(epoch, rand)`` draws an epoch's batches (any random draw from
    ``rand``); ``step(batch, rand)`` returns the loss of one batch (the engine autocasts, steps the
    optimizer and the scheduler); ``stateful`` are more objects with state_dict/load_state_dict whose
    state goes into the checkpoint (a weight average, say). ``fingerprint`` names the run (recipe
    and data): a checkpoint of another run is refused, not continued."""

    model: torch.nn.Module
    optimizer: torch.optim.Optimizer
    total_steps: int
    batches: Callable[[int, Randomness], list]
    step: Callable[[Any, Randomness], torch.Tensor]
    rand: Randomness
    checkpoint: Path | None = None
    fingerprint: str = ""
    scheduler: Any = None
    precision: str = "fp32"
    clip: float | None = 1.0
    stateful: dict[str, Any] = field(default_factory=dict)
    after_step: Callable[[int], None] | None = None  # called with the step count after each update
    after_epoch: Callable[[int], None] | None = None  # called with the count of finished epochs
    label: str = "loss"
    every: float = CHECKPOINT_EVERY
    # where a run stands: restored from a checkpoint by resume()
    epoch: int = 0
    position: int = 0
    steps: int = 0
    loss: float = 0.0
    elapsed: float = 0.0
    epoch_rand: dict | None = None

    def resume(self) -> bool:
        """Continue from the checkpoint if there is one (True), else start afresh (False)."""
        if self.checkpoint is None or not self.checkpoint.is_file():
            log.info("no checkpoint at %s: starting afresh", self.checkpoint)
            return False
        try:
            state = torch.load(self.checkpoint, map_location="cpu", weights_only=True)
        except Exception as exc:  # a file that is not a checkpoint: said in one line, never loaded
            raise InputError(f"cannot read the checkpoint {self.checkpoint} ({type(exc).__name__}); delete it to start again") from None
        if not isinstance(state, dict) or state.get("fingerprint") != self.fingerprint:
            raise InputError(f"the checkpoint {self.checkpoint} is of another run (other recipe or data); "
                             "delete it or run without --resume to start again")
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        if self.scheduler is not None:
            self.scheduler.load_state_dict(state["scheduler"])
        for name, obj in self.stateful.items():
            obj.load_state_dict(state["stateful"][name])
        for key in ("epoch", "position", "steps", "loss", "elapsed", "epoch_rand"):
            setattr(self, key, state[key])
        self.rand.restore(state["rand"])
        log.info("resuming from %s: epoch %d, step %d of %d", self.checkpoint, self.epoch + 1, self.steps, self.total_steps)
        return True

    def save(self) -> None:
        """Write the checkpoint atomically: a stop while writing leaves the previous one whole."""
        if self.checkpoint is None:
            return
        state = {"fingerprint": self.fingerprint, "model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                 "scheduler": self.scheduler.state_dict() if self.scheduler is not None else None,
                 "stateful": {n: o.state_dict() for n, o in self.stateful.items()},
                 "epoch": self.epoch, "position": self.position, "steps": self.steps, "loss": self.loss,
                 "elapsed": self.elapsed, "epoch_rand": self.epoch_rand, "rand": self.rand.state()}
        self.checkpoint.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.checkpoint.with_name(self.checkpoint.name + ".tmp")
        with open(tmp, "wb") as f:
            torch.save(state, f)
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(self.checkpoint)

    def run(self) -> None:
        """Train to ``total_steps``; on a stop signal, finish the step, checkpoint and raise Interrupted."""
        params = [p for p in self.model.parameters() if p.requires_grad]
        started = time.time() - self.elapsed
        last_save = time.time()
        self.model.train()
        with StopRequest() as stop, progress_bar(self.total_steps, self.label) as bar:
            bar.advance(self.steps, self.epoch, self.loss)
            while self.steps < self.total_steps:
                self.model.train()  # an epoch's callback may have scored the model in eval mode
                if self.epoch_rand is None:
                    self.epoch_rand = self.rand.state()
                now = self.rand.state()
                self.rand.restore(self.epoch_rand)  # the epoch's batches as they were first drawn
                batches = self.batches(self.epoch, self.rand)
                if self.position:
                    self.rand.restore(now)  # and the streams where the stop left them
                for batch in batches[self.position :]:
                    with autocast(self.precision):
                        loss = self.step(batch, self.rand)
                    loss.backward()
                    if self.clip:
                        torch.nn.utils.clip_grad_norm_(params, self.clip)
                    self.optimizer.step()
                    if self.scheduler is not None:
                        self.scheduler.step()
                    self.optimizer.zero_grad()
                    self.position += 1
                    self.steps += 1
                    value = float(loss.detach())
                    self.loss = 0.98 * self.loss + 0.02 * value if self.steps > 1 else value
                    if self.after_step is not None:
                        self.after_step(self.steps)
                    bar.advance(self.steps, self.epoch, self.loss)
                    self.elapsed = time.time() - started
                    if stop.signal is not None:
                        self.save()
                        raise Interrupted(f"stopped at step {self.steps} of {self.total_steps}; the checkpoint "
                                          f"{self.checkpoint} continues it (run the same command with --resume)"
                                          if self.checkpoint else f"stopped at step {self.steps} of {self.total_steps}")
                    if self.steps >= self.total_steps:
                        break
                    if time.time() - last_save > self.every:
                        self.save()
                        last_save = time.time()
                if self.position >= len(batches):
                    self.epoch += 1
                    self.position = 0
                    self.epoch_rand = None
                    if self.after_epoch is not None:
                        self.after_epoch(self.epoch)
                    if self.steps < self.total_steps:
                        self.save()
                        last_save = time.time()
        self.model.eval()

    def finished(self) -> None:
        """The fit is done and its result saved: its checkpoint has no more use."""
        if self.checkpoint is not None:
            self.checkpoint.unlink(missing_ok=True)


# --- progress ---------------------------------------------------------------------------------

class _Bar:
    """rich's bar on a terminal; a log line every 5% of the steps elsewhere (CI logs, nohup)."""

    def __init__(self, total: int, label: str, live):
        self.total, self.label, self.live = total, label, live
        self.task = live.add_task("", total=total, epoch=1, loss=float("nan")) if live else None
        self.t0, self.logged = time.time(), 0

    def advance(self, steps: int, epoch: int, loss: float) -> None:
        if self.live is not None:
            self.live.update(self.task, completed=steps, epoch=epoch + 1, loss=loss)
            return
        if steps and (steps - self.logged >= max(1, self.total // 20) or steps == self.total):
            self.logged = steps
            log.info("step %d/%d epoch %d %s %.4f elapsed %.0fs", steps, self.total, epoch + 1, self.label, loss,
                     time.time() - self.t0)


@contextmanager
def progress_bar(total: int, label: str = "loss", stream=None) -> Iterator[_Bar]:
    """Epoch, loss, steps and time left, drawn on stderr when it is a terminal; quiet otherwise."""
    stream = stream or sys.stderr
    if not stream.isatty():
        yield _Bar(total, label, None)
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("epoch {task.fields[epoch]}"), BarColumn(), MofNCompleteColumn(),
               TextColumn(label + " {task.fields[loss]:.4f}"), TimeRemainingColumn())
    with Progress(*columns, console=Console(file=stream), transient=False) as live:
        yield _Bar(total, label, live)
