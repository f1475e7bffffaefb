"""Brute-force grid for the optimize measurement: writes scenario files whose strategies
are the grid's cells (contact_centre_scaleup.toml's vendors, demand and objectives), runs
each with `outsim run` on the file's trials and seed, and prints the cheapest feasible
cell. Usage: optimize_grid.py OUTSIM SCENARIO MODE [WORKDIR], MODE full or
split_buffer:OVERSIGHT:IP:DD:CT (switches 0 or 1). docs/model.md 14.5 has the figures."""
import csv, itertools, os, subprocess, sys, time

outsim, scenario, mode = sys.argv[1], sys.argv[2], sys.argv[3]
work = sys.argv[4] if len(sys.argv) > 4 else "/tmp/optgrid"
os.makedirs(work, exist_ok=True)
text = open(scenario).read()
head = text[: text.index("[[strategies]]")]
tail = text[text.index("[assumptions]"):]

def strategy(i, s, b, o, ip, dd, ct):
    if s >= 1:
        alloc = '[{ vendor = "LowCostCo", share = 1.0 }]'
    elif s <= 0:
        alloc = '[{ vendor = "QualityBPO", share = 1.0 }]'
    else:
        alloc = f'[{{ vendor = "LowCostCo", share = {s} }}, {{ vendor = "QualityBPO", share = {round(1 - s, 3)} }}]'
    t = lambda x: "true" if x else "false"
    return (f'[[strategies]]\nname = "g{i}"\nallocation = {alloc}\noverflow = true\n'
            f'capacity_buffer = {b}\noversight_hours_per_fte = {o}\nip_protection = {t(ip)}\n'
            f'due_diligence = {t(dd)}\ncultural_training = {t(ct)}\n\n')

cells = []
if mode == "full":
    for s, b, o, ip, dd, ct in itertools.product(
        [0, 0.25, 0.5, 0.75, 1], [0, 0.25, 0.5, 0.75, 1], [0, 3, 6], *[[False, True]] * 3
    ):
        cells.append((s, b, o, ip, dd, ct))
else:
    _, o, ip, dd, ct = mode.split(":")
    for s in [i / 10 for i in range(11)]:
        for b in [i / 20 for i in range(21)]:
            cells.append((s, b, float(o), ip == "1", dd == "1", ct == "1"))

chunk = 60
rows = []
start = time.time()
for k in range(0, len(cells), chunk):
    part = cells[k : k + chunk]
    body = head + "".join(strategy(k + i, *c) for i, c in enumerate(part)) + tail
    path = f"{work}/cells{k}.toml"
    open(path, "w").write(body)
    out = f"{work}/out"
    subprocess.run([outsim, "run", path, "--out", out, "--no-charts", "--no-xlsx",
                    "--no-trials-file", "-q"], check=True)
    with open(f"{out}/cells{k}/summary.csv") as f:
        for r in csv.DictReader(f):
            i = int(r["strategy"][1:])
            rows.append((cells[i], float(r["cost_mean"]), float(r["p_objectives_met"]), r["meets_objectives"]))
elapsed = time.time() - start
feasible = [r for r in rows if r[3] == "true"]
best = min(feasible, key=lambda r: r[1]) if feasible else None
print(f"cells {len(rows)}, feasible {len(feasible)}, wall {elapsed:.1f} s")
print("best", best)
