"""Usage: python scripts/compare_answers.py BEFORE/results.jsonl AFTER/results.jsonl (two `bot eval` runs on one --index-dir).

Compare two eval results.jsonl row by row: answer text, refused, and each citation less its score.

Scores differ in the 4th decimal between two runs of the same code (main vs main: 176 of 459 rows), so a
citation is compared by what it cites (n, source, passage, quote, span, lang, text); scores are reported apart."""
import json, sys
def load(p):
    return {(r["set"], r["id"]): r for r in map(json.loads, open(p))}
a, b = load(sys.argv[1]), load(sys.argv[2])
assert a.keys() == b.keys(), "different rows"
def key(r):
    cits = [{k: v for k, v in c.items() if k != "score"} for c in r["citations"]]
    return (r["answer"], json.dumps(cits, sort_keys=True, ensure_ascii=False), r["refused"])
diff = scored = 0
for k in a:
    ra, rb = a[k]["result"], b[k]["result"]
    if key(ra) != key(rb):
        diff += 1
        if diff <= 10:
            print("DIFF", k, "\n  before:", ra["answer"][:150], ra["refused"], "\n  after: ", rb["answer"][:150], rb["refused"])
    elif json.dumps(ra["citations"]) != json.dumps(rb["citations"]):
        scored += 1
print(f"{len(a)} rows, {diff} differ in answer/citations/refused ({scored} more differ only in a citation's score)")
sys.exit(1 if diff else 0)
