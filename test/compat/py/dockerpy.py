"""docker-py (Debian's python3-docker 5) scenarios for the compatibility suite.

Usage: dockerpy.py SCENARIO. Env: DOCKER_HOST (the engine), COMPAT_UID (prefix of every name this
run creates), COMPAT_REGISTRY (the loopback test registry). Prints "STEP <label>" before each step;
on failure prints "ERROR <message>" to stderr and exits 1. Cleans up what it created in finally.
"""
import os
import socket
import struct
import sys
import time
import traceback

import docker

UID = os.environ["COMPAT_UID"]
REGISTRY = os.environ["COMPAT_REGISTRY"]
BUSYBOX = f"{REGISTRY}/busybox:latest"
LABEL = {"compat": UID}


def step(label):
    print(f"STEP {label}", flush=True)


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def name(x):
    return f"{UID}-{x}"


class Cleanup:
    def __init__(self):
        self.fns = []
        self.errors = []

    def add(self, label, fn):
        self.fns.append((label, fn))

    def run(self):
        for label, fn in reversed(self.fns):
            try:
                fn()
            except docker.errors.NotFound:
                pass
            except Exception as e:  # collected and reported, never swallowed
                self.errors.append(f"{label}: {e}")


def remove_container(client, n):
    return lambda: client.containers.get(n).remove(force=True)


def containers(client, cl):
    step("pull")
    client.images.pull(f"{REGISTRY}/busybox", tag="latest")
    step("run foreground remove=True")
    out = client.containers.run(BUSYBOX, ["echo", "hello"], remove=True)
    check(out == b"hello\n", f"run output {out!r}")
    n = name("c")
    cl.add("remove c", remove_container(client, n))
    step("create")
    c = client.containers.create(BUSYBOX, ["sleep", "300"], name=n, labels=LABEL)
    check(c.status == "created", f"status {c.status}")
    step("start")
    c.start()
    c.reload()
    check(c.status == "running", f"status after start {c.status}")
    step("list with label filter")
    found = [x.name for x in client.containers.list(filters={"label": f"compat={UID}"})]
    check(found == [n], f"list {found}")
    step("stop")
    c.stop(timeout=1)
    c.reload()
    check(c.status == "exited", f"status after stop {c.status}")
    step("wait")
    w = c.wait(timeout=10)
    check(isinstance(w.get("StatusCode"), int), f"wait {w}")
    m = name("m")
    cl.add("remove m", remove_container(client, m))
    step("run detach, wait exit code")
    d = client.containers.run(BUSYBOX, ["sh", "-c", "echo out; echo err >&2; exit 3"], name=m, detach=True)
    w = d.wait(timeout=20)
    check(w["StatusCode"] == 3, f"wait {w}")
    step("logs")
    check(d.logs(stdout=True, stderr=False) == b"out\n", f"stdout logs {d.logs(stdout=True, stderr=False)!r}")
    check(d.logs(stdout=False, stderr=True) == b"err\n", f"stderr logs {d.logs(stdout=False, stderr=True)!r}")
    step("remove")
    d.remove()
    check(m not in [x.name for x in client.containers.list(all=True)], "removed container still listed")


def images(client, cl):
    step("pull")
    img = client.images.pull(f"{REGISTRY}/busybox", tag="latest")
    check(img.id.startswith("sha256:"), f"pulled id {img.id}")
    step("list")
    tags = [t for i in client.images.list(name=f"{REGISTRY}/busybox") for t in i.tags]
    check(BUSYBOX in tags, f"list tags {tags}")
    repo = f"{REGISTRY}/{UID}-py"
    cl.add("remove tag", lambda: client.images.remove(f"{repo}:t1"))
    step("tag")
    check(img.tag(repo, "t1"), "tag returned false")
    step("get tagged")
    check(client.images.get(f"{repo}:t1").id == img.id, "tagged image has another id")
    step("remove tag")
    client.images.remove(f"{repo}:t1")
    check(BUSYBOX in client.images.get(img.id).tags, "source tag lost")


def networks_volumes(client, cl):
    client.images.pull(f"{REGISTRY}/busybox", tag="latest")
    net_name, vol_name, c1, c2 = name("net"), name("vol"), name("n1"), name("n2")
    cl.add("remove net", lambda: client.networks.get(net_name).remove())
    cl.add("remove vol", lambda: client.volumes.get(vol_name).remove(force=True))
    cl.add("remove n1", remove_container(client, c1))
    cl.add("remove n2", remove_container(client, c2))
    step("network create")
    net = client.networks.create(net_name, driver="bridge", labels=LABEL)
    step("network list")
    check([n.name for n in client.networks.list(names=[net_name])] == [net_name], "network not listed by name")
    check(net_name in [n.name for n in client.networks.list(filters={"label": f"compat={UID}"})], "network not listed by label")
    step("run on network, reach by name")
    client.containers.run(BUSYBOX, ["sleep", "300"], name=c1, network=net_name, detach=True)
    out = client.containers.run(BUSYBOX, ["ping", "-c", "1", "-W", "3", c1], network=net_name, remove=True)
    check(b"1 packets received" in out, f"ping {out!r}")
    step("network connect")
    other = client.containers.run(BUSYBOX, ["sleep", "300"], name=c2, detach=True)
    net.connect(other)
    net.reload()
    check(sorted(c.name for c in net.containers) == sorted([c1, c2]), f"network containers {[c.name for c in net.containers]}")
    step("network disconnect")
    net.disconnect(other)
    net.reload()
    check([c.name for c in net.containers] == [c1], f"after disconnect {[c.name for c in net.containers]}")
    step("volume create")
    vol = client.volumes.create(vol_name, labels=LABEL)
    check(client.volumes.get(vol_name).attrs["Labels"] == LABEL, f"volume labels {client.volumes.get(vol_name).attrs}")
    step("volume used by two containers")
    client.containers.run(BUSYBOX, ["sh", "-c", "echo kept > /data/f"], volumes={vol_name: {"bind": "/data", "mode": "rw"}}, remove=True)
    out = client.containers.run(BUSYBOX, ["cat", "/data/f"], volumes={vol_name: {"bind": "/data", "mode": "ro"}}, remove=True)
    check(out == b"kept\n", f"read {out!r}")
    step("volume list")
    check(vol_name in [v.name for v in client.volumes.list(filters={"label": f"compat={UID}"})], "volume not listed")
    step("remove")
    client.containers.get(c1).remove(force=True)
    client.containers.get(c2).remove(force=True)
    net.remove()
    vol.remove()


def read_frames(sock, want, timeout):
    """Reads docker's multiplexed stream frames until `want` is seen; returns {stream: bytes}."""
    sock.settimeout(timeout)
    buf, got = b"", {1: b"", 2: b""}
    end = time.time() + timeout
    while time.time() < end and want not in got[1] + got[2]:
        try:
            chunk = sock.recv(4096)
        except socket.timeout:
            break
        if not chunk:
            break
        buf += chunk
        while len(buf) >= 8:
            kind, size = struct.unpack(">BxxxL", buf[:8])
            if len(buf) < 8 + size:
                break
            got[kind] = got.get(kind, b"") + buf[8:8 + size]
            buf = buf[8 + size:]
    return got


def exec_attach(client, cl):
    client.images.pull(f"{REGISTRY}/busybox", tag="latest")
    n, a = name("ex"), name("at")
    cl.add("remove ex", remove_container(client, n))
    cl.add("remove at", remove_container(client, a))
    c = client.containers.run(BUSYBOX, ["sleep", "300"], name=n, detach=True)
    step("exec_run")
    r = c.exec_run(["echo", "in"])
    check(r.exit_code == 0 and r.output == b"in\n", f"exec_run {r}")
    step("exec_run demux")
    r = c.exec_run(["sh", "-c", "echo o; echo e >&2; exit 4"], demux=True)
    check(r.exit_code == 4 and r.output == (b"o\n", b"e\n"), f"exec_run demux {r}")
    step("exec_run environment, workdir, user")
    r = c.exec_run(["sh", "-c", 'echo "$X $(pwd) $(id -u)"'], environment={"X": "1"}, workdir="/tmp", user="1000")
    check(r.output == b"1 /tmp 1000\n", f"exec_run {r}")
    step("attach socket")
    at = client.containers.create(BUSYBOX, ["sh", "-c", "read line; echo got-$line; echo to-err >&2"], name=a, stdin_open=True)
    sock = client.api.attach_socket(at.id, params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1})
    raw = sock._sock
    at.start()
    raw.sendall(b"ping\n")
    got = read_frames(raw, b"to-err", 15)
    raw.close()
    check(got[1] == b"got-ping\n" and got[2] == b"to-err\n", f"attach frames {got}")
    check(at.wait(timeout=10)["StatusCode"] == 0, "attached container did not exit 0")
    s = name("as")
    cl.add("remove as", remove_container(client, s))
    step("attach stream")
    st = client.containers.run(BUSYBOX, ["sh", "-c", "sleep 1; echo a1; echo a2"], name=s, detach=True)
    lines = b"".join(st.attach(stream=True, logs=True, stdout=True, stderr=True))
    check(lines == b"a1\na2\n", f"attach stream {lines!r}")


def events(client, cl):
    client.images.pull(f"{REGISTRY}/busybox", tag="latest")
    n = name("ev")
    cl.add("remove ev", remove_container(client, n))
    since = int(time.time()) - 1
    step("lifecycle")
    c = client.containers.run(BUSYBOX, ["true"], name=n, detach=True)
    c.wait(timeout=10)
    c.remove()
    time.sleep(1.1)
    until = int(time.time()) + 1
    step("events since/until")
    evs = list(client.events(since=since, until=until, filters={"container": n}, decode=True))
    actions = [e.get("Action") for e in evs]
    for a in ("create", "start", "die", "destroy"):
        check(a in actions, f"no {a} event in {actions}")
    check(all(e.get("Type") == "container" and e["Actor"]["Attributes"].get("name") == n for e in evs), f"events {evs}")


SCENARIOS = {
    "containers": containers,
    "images": images,
    "networks-volumes": networks_volumes,
    "exec-attach": exec_attach,
    "events": events,
}


def main():
    client = docker.from_env(version="auto", timeout=60)
    cl = Cleanup()
    try:
        SCENARIOS[sys.argv[1]](client, cl)
    except Exception as e:
        traceback.print_exc()
        msg = str(e).replace("\n", " ") or type(e).__name__
        print(f"ERROR {type(e).__name__}: {msg}", file=sys.stderr, flush=True)
        return 1
    finally:
        cl.run()
        for err in cl.errors:
            print(f"CLEANUP {err}", file=sys.stderr, flush=True)
    return 2 if cl.errors else 0


if __name__ == "__main__":
    sys.exit(main())
