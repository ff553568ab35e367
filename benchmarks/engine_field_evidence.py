"""Engine throughput for field evidence: geofence over 1 M visits, keyword classification over 1 M texts.

Run: python benchmarks/engine_field_evidence.py [--rows 1000000]
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sales_process.engine.classify import KeywordClassifier  # noqa: E402
from sales_process.engine.geo import distances_m, geofence_results  # noqa: E402

KEYWORDS = {
	"Price": ["太贵", "贵", "价格太高", "too expensive", "price", "discount"],
	"Tender": ["要招标", "招标", "tender", "bidding"],
	"Budget": ["预算不足", "预算", "budget"],
	"Timing": ["明年再说", "下个月", "next year", "later"],
	"Competitor": ["竞品", "别家", "competitor", "cheaper elsewhere"],
}
PHRASES = [
	"客户说这个方案太贵了,下个月再说",
	"Discussed the line upgrade; budget approval pending until next year",
	"技术负责人认可方案,但必须走招标流程",
	"Customer asked for a discount, competitor is cheaper elsewhere",
	"现场演示顺利,没有异议",
	"They liked the demo. Follow up with drawings.",
]


def bench_geofence(n: int):
	rng = np.random.default_rng(11)
	site_lat, site_lon = rng.uniform(20, 45, n), rng.uniform(100, 125, n)
	device_lat = site_lat + rng.normal(0, 0.005, n)
	device_lon = site_lon + rng.normal(0, 0.005, n)
	site_lat[rng.random(n) < 0.05] = np.nan  # customers without coordinates
	t0 = time.perf_counter()
	distances = distances_m(device_lat, device_lon, site_lat, site_lon)
	results = geofence_results(distances, 500)
	elapsed = time.perf_counter() - t0
	inside = float(np.mean(results == "Inside")) * 100
	print(f"geofence over {n:,} visits: {elapsed * 1000:.0f} ms ({inside:.1f} % inside 500 m)")


def bench_classification(n: int):
	classifier = KeywordClassifier(KEYWORDS)
	texts = [PHRASES[i % len(PHRASES)] for i in range(n)]
	t0 = time.perf_counter()
	labelled = sum(1 for text in texts if classifier.classify(text))
	elapsed = time.perf_counter() - t0
	print(
		f"keyword classification of {n:,} texts: {elapsed:.2f} s ({n / elapsed:,.0f} texts/s, {labelled:,} with a suggestion)"
	)


if __name__ == "__main__":
	parser = argparse.ArgumentParser()
	parser.add_argument("--rows", type=int, default=1_000_000)
	args = parser.parse_args()
	bench_geofence(args.rows)
	bench_classification(args.rows)
