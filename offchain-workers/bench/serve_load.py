"""Load on `aiblock-worker serve`: for each concurrency C, C client threads each send streamed
completions back to back (58 new tokens after "ROMEO:", sampled, a seed per request) until
REQUESTS in all are answered. Reports requests/s, tokens/s, and the 50th/99th percentiles of
the time to first token and of the whole answer. Standard library only.

Usage: serve_load.py BASE_URL MODEL REQUESTS C [C...]
"""
import http.client
import json
import statistics
import sys
import threading
import time
import urllib.parse

base, model, total = sys.argv[1], sys.argv[2], int(sys.argv[3])
url = urllib.parse.urlparse(base)


def one(seed):
    """One streamed completion: (seconds to the first text, seconds in all, tokens)."""
    body = json.dumps({"model": model, "prompt": "ROMEO:", "max_tokens": 58, "temperature": 0.8,
                       "seed": seed, "stream": True})
    start = time.perf_counter()
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=600)
    conn.request("POST", "/v1/completions", body, {"Content-Type": "application/json"})
    response = conn.getresponse()
    assert response.status == 200, response.read()
    first, tokens = None, 0
    for raw in response:
        line = raw.decode().strip()
        if not line.startswith("data: ") or line == "data: [DONE]":
            continue
        chunk = json.loads(line[6:])
        if first is None and chunk["choices"][0]["text"]:
            first = time.perf_counter() - start
        if "usage" in chunk:
            tokens = chunk["usage"]["completion_tokens"]
    conn.close()
    return first, time.perf_counter() - start, tokens


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


for concurrency in map(int, sys.argv[4:]):
    results, lock, next_seed = [], threading.Lock(), [0]

    def client():
        while True:
            with lock:
                if next_seed[0] >= total:
                    return
                next_seed[0] += 1
                seed = next_seed[0]
            outcome = one(seed)
            with lock:
                results.append(outcome)

    start = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - start
    firsts = [r[0] for r in results if r[0] is not None]
    latencies = [r[1] for r in results]
    tokens = sum(r[2] for r in results)
    print(f"serve {concurrency:>2} clients: {len(results)} requests in {seconds:.1f} s, "
          f"{len(results) / seconds:.2f} requests/s, {tokens / seconds:.0f} tokens/s; "
          f"first token p50 {percentile(firsts, 50) * 1e3:.0f} ms p99 {percentile(firsts, 99) * 1e3:.0f} ms; "
          f"answer p50 {percentile(latencies, 50) * 1e3:.0f} ms p99 {percentile(latencies, 99) * 1e3:.0f} ms",
          flush=True)
