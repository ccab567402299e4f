"""Objectives for tests/test_parallel.py, in a module without torch so that spawned workers start fast."""
import os, signal, time

KILL_AT = 0.5

def record_pid(config):
    "Sleep a little, leave this process's pid in $SURRNB_TEST_DIR, return a known value."
    time.sleep(0.1)
    d = os.environ.get("SURRNB_TEST_DIR")
    if d: open(os.path.join(d, f"{config['x']:.17g}"), "w").write(str(os.getpid()))
    return (config["x"] - 0.25) ** 2

def kill_self(config):
    "SIGKILL this worker process on x == KILL_AT (as the OOM killer would), else return x."
    if config["x"] == KILL_AT: os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.05)
    return config["x"]

def kill_once(config):
    "SIGKILL this worker the first time x == KILL_AT is run (marker file in $SURRNB_TEST_DIR), else return x."
    marker = os.path.join(os.environ["SURRNB_TEST_DIR"], "died")
    if config["x"] == KILL_AT and not os.path.exists(marker):
        open(marker, "w").close(); os.kill(os.getpid(), signal.SIGKILL)
    return config["x"]

def sleepy(config):
    if config["x"] == KILL_AT: time.sleep(900)   # far longer than any slow machine needs for the rest of the test
    return config["x"]
