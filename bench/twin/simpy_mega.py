#!/usr/bin/python3
"""Peer for `livechain bench twin`: the twin's mega session as a minimal SimPy model.

The same demand curve as src/twin/session.cpp (agenda SKUs introduced through the
session, each with a burst after its intro and a flat tail, rescaled so the busiest
minute has peak x scale orders), the same order sizes, buyer-region mix and buyer
fates (pay within the TTL, cancel, pay late, never pay), stock per SKU at five regional
locations with nearest-first allocation, TTL expiry and a fulfilment time per paid
order. No journal, no idempotency, no auditor: the smallest model that does the same
per-order work, so the ratio is a lower bound on the twin's advantage.

Prints figures and, as the last line, "N simulated orders/s". Seeded (--seed); prints
SEED=N on stderr.
"""
import argparse
import math
import random
import sys
import time

try:  # SimPy 3/4 (pip)
    import simpy

    SIMPY_VERSION = simpy.__version__
except ImportError:  # SimPy 2 (Debian bookworm's python3-simpy is 2.3.1)
    simpy = None
    from SimPy import Simulation as simpy2

    import SimPy

    SIMPY_VERSION = getattr(SimPy, "__version__", getattr(simpy2, "version", "2"))


class Kernel:
    """The few SimPy calls the model needs, over either API. A process is a generator
    that yields delays in minutes."""

    def __init__(self):
        if simpy:
            self.env = simpy.Environment()
        else:
            self.sim = simpy2.Simulation()
            self.sim.initialize()

    def spawn(self, gen):
        if simpy:
            self.env.process(self._wrap3(gen))
        else:
            proc = _Runner(sim=self.sim)
            self.sim.activate(proc, proc.run(gen))

    def _wrap3(self, gen):
        for delay in gen:
            yield delay

    def run(self):
        if simpy:
            self.env.run()
        else:
            self.sim.simulate(until=10**9)


if simpy is None:

    class _Runner(simpy2.Process):
        def run(self, gen):
            for delay in gen:
                yield simpy2.hold, self, delay

REGION_MIX = [0.20, 0.35, 0.25, 0.08, 0.12]
DISTANCE_KM = [
    [0, 1100, 2100, 1600, 700],
    [1100, 0, 1300, 2000, 900],
    [2100, 1300, 0, 1500, 1000],
    [1600, 2000, 1500, 0, 1200],
    [700, 900, 1000, 1200, 0],
]
NEAREST = [sorted(range(5), key=lambda b, a=a: (DISTANCE_KM[a][b], b)) for a in range(5)]


def demand_curve(rng, skus, minutes, peak):
    """Orders per minute per agenda SKU, peak-rescaled (as shape_demand in C++)."""
    weights = [rng.lognormvariate(0, 0.6) / (k + 1) ** 0.8 for k in range(skus)]
    total_w = sum(weights)
    rates, intros, total = [], [], [0.0] * minutes
    for k in range(skus):
        intro = 2 + k * (minutes - 12) // skus
        raw = [0.0] * minutes
        for m in range(intro, minutes):
            raw[m] = 0.55 * math.exp(-(m - intro) / 8.0) / 8.0 + 0.45 / (minutes - intro)
        s = sum(raw)
        rate = [x * weights[k] / total_w / s for x in raw]
        for m in range(minutes):
            total[m] += rate[m]
        rates.append(rate)
        intros.append(intro)
    factor = peak / max(total)
    return [[x * factor for x in r] for r in rates], intros


def poisson(rng, lam):
    if lam < 30:
        limit, k, p = math.exp(-lam), 0, rng.random()
        while p > limit:
            p *= rng.random()
            k += 1
        return k
    return max(0, round(lam + math.sqrt(lam) * rng.gauss(0, 1)))


class Model:
    def __init__(self, kernel, rng, stock_units, ttl_min, pay_rate):
        self.kernel, self.rng, self.ttl, self.pay_rate = kernel, rng, ttl_min, pay_rate
        self.stock = [[units * REGION_MIX[r] for r in range(5)] for units in stock_units]
        self.orders = self.reserved = self.paid = self.lost = self.expired = 0
        self.fulfilment_h = []

    def order(self, sku, units, region):
        self.orders += 1
        for loc in NEAREST[region]:
            if self.stock[sku][loc] >= units:
                self.stock[sku][loc] -= units
                break
        else:
            self.lost += units
            return
        self.reserved += 1
        self.kernel.spawn(self.buyer(sku, units, loc, region))

    def buyer(self, sku, units, loc, region):
        rng, fate = self.rng, self.rng.random()
        if fate < self.pay_rate:
            yield rng.uniform(0.2, 0.9) * self.ttl
            self.paid += 1
            transit = 6 + DISTANCE_KM[loc][region] / 60.0 + rng.expovariate(1 / 3.0)
            self.fulfilment_h.append(4 + rng.expovariate(1 / 6.0) + transit)
            return
        if fate < self.pay_rate + (1 - self.pay_rate) * 0.3:
            yield rng.uniform(0.1, 0.8) * self.ttl
        else:
            yield self.ttl  # TTL expiry (late payers are refused)
            self.expired += 1
        self.stock[sku][loc] += units

    def session(self, rates, intros, minutes):
        rng = self.rng
        for m in range(minutes):
            for k, rate in enumerate(rates):
                if m < intros[k]:
                    continue
                for _ in range(poisson(rng, rate[m])):
                    u = rng.random()
                    units = 1 if u < 0.87 else (2 if u < 0.98 else 3)
                    r, region = rng.random(), 0
                    while region < 4 and r >= REGION_MIX[region]:
                        r -= REGION_MIX[region]
                        region += 1
                    self.order(k, units, region)
            yield 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--minutes", type=int, default=180)
    ap.add_argument("--peak", type=float, default=150000)
    ap.add_argument("--scale", type=float, default=0.02)
    ap.add_argument("--skus", type=int, default=40)
    args = ap.parse_args()
    print(f"SEED={args.seed}", file=sys.stderr)
    rng = random.Random(args.seed)
    rates, intros = demand_curve(rng, args.skus, args.minutes, args.peak * args.scale)
    # Stock per SKU: its planned units x coverage 1.25 (mega), split by buyer-region mix.
    stock_units = [sum(r) * 1.17 * 1.25 for r in rates]
    kernel = Kernel()
    model = Model(kernel, rng, stock_units, 15.0, 0.88)
    started, started_cpu = time.perf_counter(), time.process_time()
    kernel.spawn(model.session(rates, intros, args.minutes))
    kernel.run()
    elapsed = time.perf_counter() - started
    elapsed_cpu = time.process_time() - started_cpu
    hours = sorted(model.fulfilment_h)
    p95 = hours[int(0.95 * (len(hours) - 1))] if hours else 0
    print(f"simpy {SIMPY_VERSION}: {args.minutes} min, peak {args.peak * args.scale:.0f} orders/min")
    print(f"orders {model.orders}, reserved {model.reserved}, paid {model.paid}, "
          f"expired {model.expired}, lost units {model.lost:.0f}, fulfilment p95 {p95:.1f} h")
    print(f"wall {elapsed:.2f} s, cpu {elapsed_cpu:.2f} s, {model.orders / elapsed_cpu:.0f} orders/cpu-s")
    print(f"{model.orders / elapsed:.0f} simulated orders/s")


if __name__ == "__main__":
    main()
