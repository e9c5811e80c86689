"""Helpers of benches/scale/resilience (standard library only).

burst.py PORT KEY SERVER_PID ACKED   8 API writers create cases (2 tasks, a tag
                                     each); after 3 s the server gets kill -9;
                                     the ids answered 201 go to ACKED.
burst.py check SQLITE_PATH ACKED     integrity after a restart: SQLite's own
                                     checks, every acknowledged case present,
                                     no case without its owner share, tasks or tag.
burst.py flood PORT RATE SECONDS     failed form sign-ins at RATE per second;
                                     prints how they were answered.
"""
import collections, http.client, json, os, re, signal, sqlite3, sys, threading, time


def post_case(conn, key, title):
    body = json.dumps({"title": title, "tags": ["burst"], "tasks": [{"title": "a"}, {"title": "b"}]})
    conn.request("POST", "/api/v1/case", body,
                 {"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    r = conn.getresponse()
    return r.status, r.read()


def burst(port, key, pid, acked_path):
    acked, statuses, stop = [], collections.Counter(), threading.Event()
    lock = threading.Lock()

    def writer(i):
        conn, n = http.client.HTTPConnection("127.0.0.1", port, timeout=10), 0
        while not stop.is_set():
            n += 1
            try:
                status, data = post_case(conn, key, f"burst-{i}-{n}")
            except Exception:
                with lock:
                    statuses["connection lost"] += 1
                return
            with lock:
                statuses[status] += 1
                if status in (200, 201):
                    acked.append(int(str(json.loads(data)["_id"]).lstrip("~")))

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    time.sleep(3)
    os.kill(pid, signal.SIGKILL)
    killed_at = len(acked)
    stop.set()
    for t in threads:
        t.join()
    with open(acked_path, "w") as f:
        f.write("\n".join(map(str, acked)))
    print(f"kill -9 after {killed_at} acknowledged creations; answers: {dict(statuses)}")


def check(path, acked_path):
    db = sqlite3.connect(path)
    integrity = db.execute("PRAGMA integrity_check").fetchall()
    fk = db.execute("PRAGMA foreign_key_check").fetchall()
    acked = [int(x) for x in open(acked_path).read().split()] if acked_path != "/dev/null" else []
    present = {r[0] for r in db.execute("SELECT id FROM cases")}
    lost = [i for i in acked if i not in present]
    # every case made by the API has its owner share, and the burst/load cases their 2 tasks and tag
    partial = db.execute("""
        SELECT count(*) FROM cases c WHERE
          NOT EXISTS (SELECT 1 FROM shares s WHERE s.case_id = c.id AND s.owner)
          OR ((c.title LIKE 'burst-%' OR c.title = 'written under load') AND (
               (SELECT count(*) FROM tasks t WHERE t.case_id = c.id) <> 2
            OR (SELECT count(*) FROM case_tags ct WHERE ct.case_id = c.id) <> 1))""").fetchone()[0]
    made = db.execute("SELECT count(*) FROM cases WHERE title LIKE 'burst-%' OR title = 'written under load'").fetchone()[0]
    numbers = db.execute("SELECT count(*) - count(DISTINCT number) FROM cases").fetchone()[0]
    print(f"integrity_check: {integrity[0][0]}; foreign_key_check: {len(fk)} problem(s)")
    print(f"cases written in the run: {made}; acknowledged: {len(acked)}, lost: {len(lost)}; "
          f"partial cases: {partial}; duplicate case numbers: {numbers}")
    ok = integrity == [("ok",)] and not fk and not lost and partial == 0 and numbers == 0
    print("CHECK", "clean" if ok else "FAILED")
    sys.exit(0 if ok else 1)


def flood(port, rate, seconds):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/login")
    r = conn.getresponse()
    page = r.read().decode()
    cookie = r.getheader("Set-Cookie").split(";")[0]
    token = re.search(r'name="csrf_token" value="([^"]*)"', page).group(1)
    statuses, lock = collections.Counter(), threading.Lock()
    latencies = []
    threads_n = 4
    end = time.time() + seconds

    def sender(i):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        interval = threads_n / rate
        next_at = time.time() + i * interval / threads_n
        while time.time() < end:
            body = f"csrf_token={token}&login=user-{i:05}%40seed.test&password=wrong-password"
            t = time.time()
            c.request("POST", "/login", body, {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
            r = c.getresponse()
            r.read()
            with lock:
                statuses[r.status] += 1
                latencies.append(time.time() - t)
            next_at += interval
            time.sleep(max(0, next_at - time.time()))

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = sum(statuses.values())
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95)] * 1000 if latencies else 0
    print(f"sign-in flood: {total} attempts in {seconds} s ({total / seconds:.0f}/s); answers: "
          f"{dict(statuses)}; p95 {p95:.1f} ms")


if __name__ == "__main__":
    a = sys.argv[1:]
    if a[0] == "check":
        check(a[1], a[2])
    elif a[0] == "flood":
        flood(int(a[1]), int(a[2]), int(a[3]))
    else:
        burst(int(a[0]), a[1], int(a[2]), a[3])
